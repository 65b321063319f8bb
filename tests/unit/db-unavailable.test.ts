import { describe, expect, it } from 'vitest';
import { DatabaseUnavailableError, failoverKind, isDatabaseAway, unavailableFor } from '@/app/lib/db/unavailable';

describe('isDatabaseAway: what the start-up waits for', () => {
  it.each([
    [{ code: '08P01', message: 'server login has been failing, try again later (server_login_retry)' }],
    [{ code: '57P01', message: 'terminating connection due to administrator command' }],
    [{ code: '57P03', message: 'the database system is starting up' }],
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' }],
    [new Error('Connection terminated unexpectedly')],
    [new Error('timeout exceeded when trying to connect')],
    [{ code: '25006', message: 'cannot execute INSERT in a read-only transaction' }],
    [new DatabaseUnavailableError('No host of the URI takes writes')],
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

describe('unavailableFor: what a request sees when the database is away', () => {
  it('a lost connection or a read-only node is a 503 with Retry-After; anything else stays itself', () => {
    for (const err of [{ code: '57P01', message: 'terminating connection' }, { code: '25006', message: 'read-only' }, new Error('Connection terminated unexpectedly')]) {
      const seen = unavailableFor(err);
      expect(seen).toBeInstanceOf(DatabaseUnavailableError);
      expect(seen).toMatchObject({ status: 503, headers: { 'Retry-After': '2' } });
    }
    const real = { code: '23505', message: 'duplicate key' };
    expect(unavailableFor(real)).toBe(real);
  });

  it("a wait for one of the pool's busy clients is a 503 too, but not a lost node: the node is kept", () => {
    const wait = new Error('timeout exceeded when trying to connect');
    expect(unavailableFor(wait)).toMatchObject({ status: 503, details: expect.stringMatching(/^Every database connection of this server is busy/) });
    expect(failoverKind(wait)).toBeNull();
    expect(failoverKind(new Error('Connection terminated due to connection timeout'))).toBe('connection');
  });
});
