import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { findHost, isMultiHostUri, parseMultiHostUri, singleHostUri } from '@/app/lib/db/multi-host';
import { onPostgres, TEST_DATABASE_URL } from '../support/env';

describe('parseMultiHostUri', () => {
  it('reads the URI pg_autoctl show uri prints', () => {
    const parsed = parseMultiHostUri('postgres://127.0.0.1:6101,127.0.0.1:6102/app?target_session_attrs=read-write&sslmode=require');
    expect(parsed).toEqual({
      hosts: [
        { host: '127.0.0.1', port: 6101 },
        { host: '127.0.0.1', port: 6102 },
      ],
      user: undefined,
      password: undefined,
      database: 'app',
      targetSessionAttrs: 'read-write',
      params: { sslmode: 'require' },
    });
  });

  it('decodes credentials, defaults ports and brackets IPv6', () => {
    const parsed = parseMultiHostUri('postgresql://app%40x:p%3Ass@db1,[::1]:6000,db3/my%20db');
    expect(parsed.user).toBe('app@x');
    expect(parsed.password).toBe('p:ss');
    expect(parsed.database).toBe('my db');
    expect(parsed.hosts).toEqual([
      { host: 'db1', port: 5432 },
      { host: '::1', port: 6000 },
      { host: 'db3', port: 5432 },
    ]);
    expect(parsed.targetSessionAttrs).toBe('any');
  });

  it('takes host= and port= lists as libpq does', () => {
    const parsed = parseMultiHostUri('postgres:///app?host=a,b&port=7001,7002');
    expect(parsed.hosts).toEqual([
      { host: 'a', port: 7001 },
      { host: 'b', port: 7002 },
    ]);
  });

  it.each([
    'mysql://a,b/db',
    'postgres://a:notaport/db',
    'postgres://a,b/db?target_session_attrs=sometimes',
    'postgres:///db?host=a,b&port=1,2,3',
  ])('rejects %s', (uri) => {
    expect(() => parseMultiHostUri(uri)).toThrow();
  });

  it('keeps the password out of its errors', () => {
    expect(() => parseMultiHostUri('postgres://u:secret@a:99999/db')).toThrow(/u:\*\*\*@/);
  });

  it('tells multi-host URIs apart', () => {
    expect(isMultiHostUri('postgres://a:1,b:2/db')).toBe(true);
    expect(isMultiHostUri('postgres://postgres@127.0.0.1:5432/test')).toBe(false);
  });
});

describe('singleHostUri', () => {
  it('gives node-postgres one host, with libpq sslmode semantics', () => {
    const parsed = parseMultiHostUri('postgres://u:p%2F@h1:1,h2:2/app?target_session_attrs=read-write&sslmode=require&application_name=x');
    expect(singleHostUri(parsed, parsed.hosts[1]!)).toBe('postgres://u:p%2F@h2:2/app?sslmode=require&application_name=x&uselibpqcompat=true');
  });

  it('leaves URIs without sslmode alone and brackets IPv6', () => {
    const parsed = parseMultiHostUri('postgres://[::1]:5,h:6/db');
    expect(singleHostUri(parsed, parsed.hosts[0]!)).toBe('postgres://[::1]:5/db');
  });
});

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe.runIf(onPostgres)('findHost (PostgreSQL)', () => {
  it('skips a host that is down and picks the writable one', async () => {
    const live = new URL(TEST_DATABASE_URL!);
    const dead = await closedPort();
    const uri = `postgres://${live.username}@127.0.0.1:${dead},${live.hostname}:${live.port || 5432}${live.pathname}?target_session_attrs=read-write`;
    const found = await findHost(uri, { connectTimeoutMs: 2_000 });
    expect(found.host.port).toBe(Number(live.port || 5432));
  });

  it('says why no host matched', async () => {
    const live = new URL(TEST_DATABASE_URL!);
    const uri = `postgres://${live.username}@${live.hostname}:${live.port || 5432}${live.pathname}?target_session_attrs=standby`;
    await expect(findHost(uri, { connectTimeoutMs: 2_000 })).rejects.toThrow(/standby.*primary/);
  });
});
