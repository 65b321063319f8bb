import 'server-only';

/**
 * What every app instance shares about Roblox: cached answers, the lease that lets one instance
 * fill a missing answer while the others wait, and a token bucket per API host. Kept in
 * PostgreSQL (the app's database) or, when REDIS_URL is set, in Redis.
 */
export interface LookupStore {
  readonly kind: 'postgres' | 'redis';
  getCached(key: string): Promise<unknown | undefined>;
  putCached(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  /** Takes the lease to fill `key` for `ms`; false while another holder has it. */
  acquireLease(key: string, holder: string, ms: number): Promise<boolean>;
  leaseHeld(key: string): Promise<boolean>;
  releaseLease(key: string, holder: string): Promise<void>;
  /** Takes the tokens from every host's bucket, all or none. */
  takeTokens(want: Record<string, number>, bucket: BucketShape): Promise<TokenGrant>;
  /** Gives back tokens taken but not used (a look-up that ended early). */
  returnTokens(host: string, n: number, bucket: BucketShape): Promise<void>;
  /** No token for `host` until `seconds` from now (Roblox answered 429). */
  pauseHost(host: string, seconds: number, bucket: BucketShape): Promise<void>;
}

/** A bucket holding at most `perMinute` tokens, refilled at `perMinute` a minute. */
export interface BucketShape {
  perMinute: number;
}

export type TokenGrant = { ok: true } | { ok: false; host: string; retryAfterSeconds: number };
