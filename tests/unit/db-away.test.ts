import { describe, expect, it } from 'vitest';
import { isDatabaseAway } from '@/app/lib/db/away';

describe('isDatabaseAway: what the start-up waits for', () => {
  it.each([
    [{ code: '08P01', message: 'server login has been failing, try again later (server_login_retry)' }],
    [{ code: '57P01', message: 'terminating connection due to administrator command' }],
    [{ code: '57P03', message: 'the database system is starting up' }],
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' }],
    [new Error('Connection terminated unexpectedly')],
    [new Error('timeout exceeded when trying to connect')],
  ])('%o is the database being away', (err) => {
    expect(isDatabaseAway(err)).toBe(true);
  });

  it.each([
    [{ code: '28P01', message: 'password authentication failed for user "x"' }],
    [{ code: '3D000', message: 'database "nope" does not exist' }],
    [new Error('Migration 005 was changed after it was applied (checksum mismatch)')],
    [null],
    ['text'],
  ])('%o is a real failure, not a wait', (err) => {
    expect(isDatabaseAway(err)).toBe(false);
  });
});
