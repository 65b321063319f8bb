/**
 * The session-token decode cache (auth/token-cache.ts) remembers a cookie's claims, never whether
 * its session is live: a session ended, lapsed or whose user was deactivated is refused on the
 * very next request, even when the same cookie was just accepted (and so is in the cache).
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSessionToken } from '@/app/lib/auth/keys';
import { authenticate, createSession, endUserSessions, SESSION_COOKIE } from '@/app/lib/auth/session';
import type { Db } from '@/app/lib/db/types';
import { createTestDb, type TestDatabase } from '../support/db';
import { newCustomer, newUser } from '../support/ledger-fixtures';

const SECRETS = [crypto.randomBytes(32).toString('base64url')];
const CLIENT = { address: '127.0.0.1', userAgent: 'token-cache test' };

let t: TestDatabase;
let db: Db;
let customerId: number;

beforeAll(async () => {
  t = await createTestDb();
  db = t.db;
  customerId = await newCustomer(db, 'Token cache');
});
afterAll(async () => {
  await t?.drop();
});

/** A live session and its cookie header, accepted once (so its claims are now cached). */
async function signedIn() {
  const user = await newUser(db, customerId);
  const session = await createSession(db, user.id, CLIENT);
  const token = await encodeSessionToken({ sub: String(user.id), name: user.username, sid: session.secret }, SECRETS[0]!, 3600);
  const cookie = `${SESSION_COOKIE}=${token}`;
  expect((await authenticate(db, SECRETS, cookie, CLIENT)).id).toBe(user.id);
  expect((await authenticate(db, SECRETS, cookie, CLIENT)).id).toBe(user.id);
  return { user, session, cookie };
}

const refused = (cookie: string) => authenticate(db, SECRETS, cookie, CLIENT);

describe('a cached token never outlives its session', () => {
  it('a revoked session is refused on the very next request', async () => {
    const { session, cookie } = await signedIn();
    await db.query(`UPDATE sessions SET ended_at = now(), end_reason = 'revoked' WHERE id = $1`, [session.id]);
    await expect(refused(cookie)).rejects.toMatchObject({ status: 401, details: expect.stringMatching(/session was ended/) });
  });

  it("ending all of a user's sessions (a password change) is refused on the very next request", async () => {
    const { user, cookie } = await signedIn();
    expect(await endUserSessions(db, user.id, 'password_changed')).toBe(1);
    await expect(refused(cookie)).rejects.toMatchObject({ status: 401, details: expect.stringMatching(/password was changed/) });
  });

  it('a session past its absolute lifetime or its idle timeout is refused on the very next request', async () => {
    const expired = await signedIn();
    await db.query(`UPDATE sessions SET created_at = now() - interval '9 hours' WHERE id = $1`, [expired.session.id]);
    await expect(refused(expired.cookie)).rejects.toMatchObject({ status: 401, details: expect.stringMatching(/last at most/) });
    const idle = await signedIn();
    await db.query(`UPDATE sessions SET last_seen_at = now() - interval '2 hours' WHERE id = $1`, [idle.session.id]);
    await expect(refused(idle.cookie)).rejects.toMatchObject({ status: 401, details: expect.stringMatching(/without activity/) });
  });

  it('a deactivated user is refused on the very next request', async () => {
    const { user, cookie } = await signedIn();
    await db.query('UPDATE users SET active = false WHERE id = $1', [user.id]);
    await expect(refused(cookie)).rejects.toMatchObject({ status: 401, details: expect.stringMatching(/deactivated/) });
  });

  it('the cache is per secret: a token is not believed under secrets that did not make it', async () => {
    const { cookie } = await signedIn();
    await expect(authenticate(db, [crypto.randomBytes(32).toString('base64url')], cookie, CLIENT)).rejects.toMatchObject({ status: 401 });
  });
});
