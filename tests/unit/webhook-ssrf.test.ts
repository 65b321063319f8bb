/**
 * Webhook URLs can't reach the app's own network: loopback, private, link-local, IPv4-mapped
 * IPv6 and names that resolve to any of them are refused when an endpoint is created and again
 * at every delivery, where the socket connects to exactly the address that was checked.
 */
import type dns from 'node:dns';
import { describe, expect, it } from 'vitest';
import { post } from '@/app/lib/webhooks/http';
import { checkedLookup, isPublicAddress, resolvePublic } from '@/app/lib/webhooks/ssrf';

const fakeDns = (table: Record<string, string[]>) => (host: string, cb: (err: NodeJS.ErrnoException | null, a: dns.LookupAddress[]) => void) => {
  const list = table[host];
  if (!list) return cb(Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' }), []);
  cb(null, list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
};

describe('isPublicAddress', () => {
  it.each([
    '127.0.0.1', '127.8.9.10', '10.0.0.1', '10.255.255.255', '172.16.0.1', '192.168.1.1', '169.254.169.254', '169.254.0.1',
    '0.0.0.0', '100.64.0.1', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fc00::1', 'fd12:3456::1',
    '::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '::ffff:7f00:1', '64:ff9b::a00:1', '2002:a00:1::1', 'not-an-ip',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['8.8.8.8', '1.1.1.1', '93.184.215.14', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('allows %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });
});

describe('resolvePublic', () => {
  const resolver = fakeDns({
    'public.example': ['93.184.215.14'],
    'internal.example': ['10.1.2.3'],
    'mixed.example': ['93.184.215.14', '127.0.0.1'],
    'metadata.example': ['169.254.169.254'],
    'mapped.example': ['::ffff:127.0.0.1'],
    'v6loop.example': ['::1'],
  });

  it('allows a name whose every address is public', async () => {
    await expect(resolvePublic('public.example', resolver)).resolves.toEqual([{ address: '93.184.215.14', family: 4 }]);
  });

  it.each(['internal.example', 'mixed.example', 'metadata.example', 'mapped.example', 'v6loop.example'])('refuses %s (resolves to a non-public address)', async (host) => {
    await expect(resolvePublic(host, resolver)).rejects.toThrow(/not a public address/);
  });

  it('refuses localhost through the real resolver, and address literals without asking DNS', async () => {
    await expect(resolvePublic('localhost')).rejects.toThrow(/not a public address/);
    await expect(resolvePublic('127.0.0.1')).rejects.toThrow(/not a public address/);
    await expect(resolvePublic('::1')).rejects.toThrow(/not a public address/);
  });
});

describe('checkedLookup (delivery time, against DNS rebinding)', () => {
  it('hands the socket exactly the checked addresses, and refuses a name that now resolves privately', async () => {
    let answer = ['93.184.215.14'];
    const rebinding = (host: string, cb: (err: NodeJS.ErrnoException | null, a: dns.LookupAddress[]) => void) =>
      fakeDns({ 'rebind.example': answer })(host, cb);
    const lookup = checkedLookup(false, rebinding);
    const run = () =>
      new Promise<{ err: NodeJS.ErrnoException | null; address: unknown }>((resolve) =>
        lookup('rebind.example', { all: true }, (err, address) => resolve({ err, address })),
      );
    expect(await run()).toEqual({ err: null, address: [{ address: '93.184.215.14', family: 4 }] });
    answer = ['127.0.0.1'];
    const second = await run();
    expect(second.err?.message).toMatch(/127\.0\.0\.1, which is not a public address/);
  });

  it('a real delivery to loopback is refused, by literal and by name, before anything is sent', async () => {
    const opts = { timeoutMs: 2_000, allowPrivate: false };
    expect(await post('http://127.0.0.1:9/hook', {}, '{}', opts)).toMatchObject({ ok: false, status: null, error: 'Only https URLs are delivered to' });
    expect(await post('https://127.0.0.1:9/hook', {}, '{}', opts)).toMatchObject({ ok: false, error: '127.0.0.1 is not a public address' });
    expect(await post('https://[::1]:9/hook', {}, '{}', opts)).toMatchObject({ ok: false, error: '::1 is not a public address' });
    expect(await post('https://[::ffff:127.0.0.1]:9/hook', {}, '{}', opts)).toMatchObject({ ok: false, error: expect.stringMatching(/not a public address/) });
    expect(await post('https://localhost:9/hook', {}, '{}', opts)).toMatchObject({ ok: false, error: expect.stringMatching(/not a public address/) });
  });
});
