import 'server-only';
import crypto from 'node:crypto';
import type { Answer } from './lookups';
import type { LookupStore } from './store';

/**
 * One Roblox call for many identical look-ups. Within a process, look-ups of the same question
 * wait for the one already asking (a single flight); across processes, the first to take the
 * store's lease asks and the others poll the cache until its answer lands. Only the look-up that
 * really asks Roblox runs `lead` (and is charged before it asks); the others are answered from
 * the cache. A failure Roblox caused is shared with those waiting (they were never charged);
 * a failure of the leader's own (its balance, its limit) sends them round again.
 */

type Outcome = { kind: 'answer'; answer: Answer } | { kind: 'failed'; error: unknown } | { kind: 'abandoned' };

const flights = new Map<string, Promise<Outcome>>();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Obtained {
  answer: Answer;
  /** true: answered from the cache or by another look-up's call, not by this look-up asking Roblox. */
  shared: boolean;
}

/** A failure another look-up met while asking Roblox for this one. */
export class SharedFailure extends Error {
  constructor(readonly cause: unknown) {
    super('a shared Roblox call failed');
  }
}

function logStoreProblem(what: string, err: unknown) {
  console.error(`[lookups] shared store: ${what} failed: ${(err as Error).message}`);
}

// The cache is an optimisation: when the store can't be read or written, Roblox is asked instead.
async function cached(store: LookupStore, key: string): Promise<Answer | undefined> {
  try {
    return (await store.getCached(key)) as Answer | undefined;
  } catch (err) {
    logStoreProblem('cache read', err);
    return undefined;
  }
}

/**
 * Waits while another instance holds the lease for `key`: its answer once it lands, or null when
 * this look-up should ask Roblox itself (it now holds the lease, or the holder went quiet).
 */
async function answerOfOtherInstance(store: LookupStore, key: string, holder: string, leaseMs: number): Promise<Answer | null> {
  const deadline = Date.now() + leaseMs;
  for (;;) {
    let leased: boolean;
    try {
      leased = await store.acquireLease(key, holder, leaseMs);
    } catch (err) {
      logStoreProblem('lease', err);
      return null;
    }
    if (leased) return (await cached(store, key)) ?? null; // filled just before the lease was free?
    let pollMs = 20;
    for (;;) {
      if (Date.now() >= deadline) return null;
      await sleep(pollMs);
      pollMs = Math.min(250, Math.round(pollMs * 1.5));
      const answer = await cached(store, key);
      if (answer) return answer;
      if (!(await store.leaseHeld(key).catch(() => false))) break; // the holder failed: try to take over
    }
  }
}

export interface ObtainOptions {
  /** 0: no cache and no sharing; every look-up asks Roblox. */
  ttlSeconds: number;
  /** How long one look-up may hold the lease: its whole Roblox budget. */
  leaseMs: number;
  /** Asks Roblox (after charging this look-up). */
  lead: () => Promise<Answer>;
  /** Failures that are Roblox's (shared with the waiting look-ups), not the leader's own. */
  isShared: (err: unknown) => boolean;
}

export async function obtain(store: LookupStore, key: string, o: ObtainOptions): Promise<Obtained> {
  if (o.ttlSeconds <= 0) return { answer: await o.lead(), shared: false };
  for (;;) {
    const hit = await cached(store, key);
    if (hit) return { answer: hit, shared: true };
    const flight = flights.get(key);
    if (flight) {
      const outcome = await flight;
      if (outcome.kind === 'answer') return { answer: outcome.answer, shared: true };
      if (outcome.kind === 'failed') throw new SharedFailure(outcome.error);
      continue;
    }
    let settle!: (o: Outcome) => void;
    flights.set(key, new Promise<Outcome>((resolve) => (settle = resolve)));
    const holder = `${process.pid}:${crypto.randomUUID()}`;
    try {
      const other = await answerOfOtherInstance(store, key, holder, o.leaseMs);
      if (other) {
        settle({ kind: 'answer', answer: other });
        return { answer: other, shared: true };
      }
      const answer = await o.lead();
      await store.putCached(key, answer, o.ttlSeconds).catch((err) => logStoreProblem('cache write', err));
      settle({ kind: 'answer', answer });
      return { answer, shared: false };
    } catch (err) {
      settle(o.isShared(err) ? { kind: 'failed', error: err } : { kind: 'abandoned' });
      throw err;
    } finally {
      flights.delete(key);
      await store.releaseLease(key, holder).catch((err) => logStoreProblem('lease release', err));
    }
  }
}
