import 'server-only';
import dns from 'node:dns';
import net from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Webhook URLs point at other people's servers: without a guard, an admin could make the app call
 * its own network (a cloud metadata endpoint, the database, localhost). Only public unicast
 * addresses are allowed: loopback, private (10/8, 172.16/12, 192.168/16), link-local
 * (169.254/16, fe80::/10), unique-local, carrier-grade NAT, multicast, reserved and the IPv6
 * forms that embed an IPv4 address (IPv4-mapped, NAT64, 6to4, Teredo) are refused.
 * `WEBHOOK_ALLOW_PRIVATE=true` lifts this (and the https rule) for local testing.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  // IPv4-mapped IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it carries.
  return ipaddr.process(address).range() === 'unicast';
}

export class BlockedAddressError extends Error {
  readonly code = 'EBLOCKED';
}

type Resolver = (hostname: string, cb: (err: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void) => void;

const systemResolver: Resolver = (hostname, cb) => dns.lookup(hostname, { all: true, verbatim: true }, cb);

/** The URL's host without IPv6 brackets. */
export const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

/** Every address the host resolves to, refused unless all are public. */
export async function resolvePublic(host: string, resolver: Resolver = systemResolver): Promise<dns.LookupAddress[]> {
  const addresses: dns.LookupAddress[] = net.isIP(host)
    ? [{ address: host, family: net.isIP(host) }]
    : await new Promise((resolve, reject) => resolver(host, (err, list) => (err ? reject(err) : resolve(list))));
  const bad = addresses.find((a) => !isPublicAddress(a.address));
  if (bad) throw new BlockedAddressError(`${host} resolves to ${bad.address}, which is not a public address`);
  if (addresses.length === 0) throw new BlockedAddressError(`${host} resolves to no address`);
  return addresses;
}

/**
 * A `lookup` for http(s).request that resolves once, checks what it got and hands exactly those
 * addresses to the socket: the connection goes to the address that was checked, so a DNS answer
 * that changes between the check and the connect (rebinding) can't slip a private address in.
 */
export function checkedLookup(allowPrivate: boolean, resolver: Resolver = systemResolver): net.LookupFunction {
  return (hostname, options, callback) => {
    const all = typeof options === 'object' && options.all === true;
    const answer = (addresses: dns.LookupAddress[]) =>
      all
        ? (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses)
        : callback(null, addresses[0]!.address, addresses[0]!.family);
    if (allowPrivate) {
      resolver(hostname, (err, addresses) => (err ? callback(err, '', 0) : answer(addresses)));
      return;
    }
    resolvePublic(hostname, resolver).then(answer, (err: NodeJS.ErrnoException) => callback(err, '', 0));
  };
}
