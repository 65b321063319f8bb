import http from 'node:http';
import type net from 'node:net';
import { Webhook } from 'standardwebhooks';

/** What the receiver does with one request: answer with a status, or never answer (a timeout). */
export type Behaviour = number | 'hang';

export interface Received {
  headers: Record<string, string>;
  body: string;
  /** The payload as the Standard Webhooks reference library verified it; undefined when it did not verify. */
  verified?: { type: string; timestamp: string; data: Record<string, unknown> };
  verifyError?: string;
  answered: Behaviour;
  at: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Secrets to verify with (set after creating the endpoint: the whsec_ from the answer). */
  secret: string | undefined;
  /** The next answers, in order; when the list is empty, `fallback`. */
  queue: Behaviour[];
  fallback: Behaviour;
  /** Resolves once `n` requests (matching `filter`) have arrived. */
  waitFor(n: number, filter?: (r: Received) => boolean, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

/**
 * A local webhook endpoint: a real HTTP server that verifies every message's signature with the
 * Standard Webhooks reference library (`standardwebhooks`) and answers as told (2xx, 5xx, or not at all).
 */
export async function startReceiver(path = '/hook'): Promise<Receiver> {
  const sockets = new Set<net.Socket>();
  const waiters = new Set<() => void>();
  const r: Receiver = {
    url: '',
    received: [],
    secret: undefined,
    queue: [],
    fallback: 200,
    async waitFor(n, filter = () => true, timeoutMs = 30_000) {
      const matching = () => r.received.filter(filter);
      if (matching().length >= n) return matching();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`receiver: ${matching().length} of ${n} requests after ${timeoutMs} ms`));
        }, timeoutMs);
        const check = () => {
          if (matching().length < n) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(matching());
        };
        waiters.add(check);
      });
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((res) => server.close(() => res(undefined)));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      const answered = r.queue.length ? r.queue.shift()! : r.fallback;
      const entry: Received = { headers, body, answered, at: Date.now() };
      try {
        if (!r.secret) throw new Error('no secret to verify with');
        if (req.url !== path) throw new Error(`wrong path ${req.url}`);
        entry.verified = new Webhook(r.secret).verify(body, headers) as Received['verified'];
      } catch (err) {
        entry.verifyError = (err as Error).message;
      }
      r.received.push(entry);
      for (const w of [...waiters]) w();
      if (answered === 'hang') return;
      res.writeHead(answered, { 'content-type': 'text/plain' }).end(String(answered));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  r.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}${path}`;
  return r;
}
