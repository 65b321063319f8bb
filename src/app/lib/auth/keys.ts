import 'server-only';
import crypto from 'node:crypto';
import { decode, encode, type JWT } from 'next-auth/jwt';
import { config } from '../config';

/**
 * Everything NEXTAUTH_SECRET protects: session cookies (NextAuth's JWE), device cookies (an HMAC),
 * the stored TOTP secrets and webhook signing secrets (AES-256-GCM), each under its own key
 * derived from the secret.
 * During a rotation the previous secrets (NEXTAUTH_SECRET_PREVIOUS) still open what they made,
 * while everything new is made with the current one.
 */
export function secretsOf(current: string): string[] {
  return [current, ...config.previousSessionSecrets.filter((s) => s !== current)];
}

/** What a sealed value is: each kind has its own key, so one kind's box never opens as another's. */
export type SealPurpose = 'totp-secret' | 'webhook-secret';

export function subkey(secret: string, purpose: 'device-cookie' | SealPurpose): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', secret, '', `roblox-tool ${purpose}`, 32));
}

/** A session cookie's claims, under the current or a previous secret; null when none opens it. */
export async function decodeSessionToken(token: string, secrets: string[]): Promise<JWT | null> {
  for (const secret of secrets) {
    const claims = await decode({ token, secret }).catch(() => null);
    if (claims) return claims;
  }
  return null;
}

export function encodeSessionToken(token: JWT, secret: string, maxAge: number): Promise<string> {
  return encode({ token, secret, maxAge });
}

const b64 = (b: Buffer) => b.toString('base64url');
const keyId = (key: Buffer) => crypto.createHash('sha256').update(key).digest('hex').slice(0, 12);

/** Encrypts a stored secret under the current key: "v1.<key id>.<iv>.<ciphertext>.<tag>". */
export function seal(plaintext: string, secret: string, purpose: SealPurpose): string {
  const key = subkey(secret, purpose);
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', keyId(key), b64(iv), b64(ct), b64(cipher.getAuthTag())].join('.');
}

/** Decrypts what `seal` made under any of the secrets; `stale` says it wasn't the current one. */
export function unseal(box: string, secrets: string[], purpose: SealPurpose): { plaintext: string; stale: boolean } {
  const [version, kid, iv, ct, tag] = box.split('.');
  if (version !== 'v1' || !kid || !iv || !ct || !tag) throw new Error('sealed value has an unknown format');
  const index = secrets.findIndex((s) => keyId(subkey(s, purpose)) === kid);
  if (index < 0) throw new Error('sealed with a key that is neither NEXTAUTH_SECRET nor in NEXTAUTH_SECRET_PREVIOUS');
  const decipher = crypto.createDecipheriv('aes-256-gcm', subkey(secrets[index]!, purpose), Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  const plaintext = Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  return { plaintext, stale: index > 0 };
}

/** The box sealed again under the current secret when a previous one made it; otherwise the same box. */
export function resealed(box: string, secrets: string[], purpose: SealPurpose): string {
  const { plaintext, stale } = unseal(box, secrets, purpose);
  return stale ? seal(plaintext, secrets[0]!, purpose) : box;
}
