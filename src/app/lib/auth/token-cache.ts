import 'server-only';
import type { JWT } from 'next-auth/jwt';
import { decodeSessionToken } from './keys';

/**
 * Decoding a session cookie costs an HKDF key derivation and an AES-GCM decryption (about a tenth
 * of a credit addition's CPU, measured with --cpu-prof), yet a token's claims never change: they
 * are remembered here by token and secrets, until the token's own expiry. Nothing is trusted more
 * than before: the claims only name a session, and `authenticate` still reads that session row and
 * its user on every request, so a session ended or lapsed is refused on the very next request.
 */
const MAX_ENTRIES = 10_000;
const cache = new Map<string, { secrets: string; claims: JWT | null; until: number }>();

export async function decodeSessionTokenCached(token: string, secrets: string[]): Promise<JWT | null> {
  const key = secrets.join('\n');
  const hit = cache.get(token);
  const now = Date.now();
  if (hit && hit.secrets === key && hit.until > now) return hit.claims;
  const claims = await decodeSessionToken(token, secrets);
  // Invalid tokens are remembered briefly, so garbage cookies can't be used to burn CPU either.
  const until = claims && typeof claims.exp === 'number' ? claims.exp * 1000 : now + 60_000;
  if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!); // oldest first
  cache.set(token, { secrets: key, claims, until });
  return claims;
}
