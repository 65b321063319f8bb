import 'server-only';
import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';
import type { ClientInfo } from '../auth/caller';
import { config } from '../config';

/**
 * Who is at the other end of a request. Next.js keeps a client's own X-Forwarded-For and only adds
 * the socket's address when there is none, so the route handlers can't tell a proxy's header from a
 * forged one. The server hook (server-hooks.ts) writes the socket's address into a header of its
 * own on every request, signed with a per-process token a client can't know; the address is then
 * the nearest hop that is not a proxy listed in TRUSTED_PROXIES (proxy-addr's walk).
 */
export const PEER_HEADER = 'x-roblox-tool-peer';
const TOKEN_KEY = Symbol.for('roblox-tool.peer-token');
type Holder = { [TOKEN_KEY]?: string };

/** The value the server hook stamps on a request from `address`. */
export function peerStamp(address: string | undefined): string {
  const holder = globalThis as Holder;
  holder[TOKEN_KEY] ??= crypto.randomBytes(16).toString('hex');
  return `${holder[TOKEN_KEY]} ${address ?? ''}`;
}

/** The socket's address, when the stamp is ours; null otherwise (then no forwarded header is believed). */
function peerAddress(headers: Headers): string | null {
  const token = (globalThis as Holder)[TOKEN_KEY];
  const stamp = headers.get(PEER_HEADER);
  if (!token || !stamp?.startsWith(`${token} `)) return null;
  return stamp.slice(token.length + 1) || null;
}

let trust: { list: string; fn: (addr: string, i: number) => boolean } | undefined;

function trustFn(): (addr: string, i: number) => boolean {
  const list = config.trustedProxies.join(',');
  if (trust?.list !== list) trust = { list, fn: proxyAddr.compile(config.trustedProxies) };
  return trust.fn;
}

export function clientOf(headers: Headers): ClientInfo {
  const userAgent = headers.get('user-agent')?.slice(0, 512) || null;
  const peer = peerAddress(headers);
  if (peer === null) return { address: 'unknown', userAgent };
  const forwarded = headers.get('x-forwarded-for');
  const req = { socket: { remoteAddress: peer }, connection: { remoteAddress: peer }, headers: forwarded ? { 'x-forwarded-for': forwarded } : {} };
  const address = proxyAddr(req as unknown as IncomingMessage, trustFn());
  return { address: address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, ''), userAgent };
}
