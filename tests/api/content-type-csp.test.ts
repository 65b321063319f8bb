/**
 * Issue 10, item 12: mutating API routes take JSON only (415 otherwise, nothing changes), and pages
 * carry a nonce-based Content-Security-Policy without 'unsafe-inline' for scripts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { assertExactErrorShape, ledgerSnapshot, server, superAdmin, tenant, type ApiClient } from '../support/api';

let admin: ApiClient;
let customerId: number;
const body = () => JSON.stringify({ customerId, amount: 5, description: 'content type test' });

beforeAll(async () => {
  admin = await superAdmin();
  customerId = (await tenant(admin)).customer.id;
});

describe('Content-Type of mutating API requests', () => {
  it.each([
    ['text/plain', /Content-Type text\/plain is not accepted here: send the body as application\/json/],
    ['application/x-www-form-urlencoded', /Content-Type application\/x-www-form-urlencoded is not accepted/],
    ['multipart/form-data; boundary=x', /Content-Type multipart\/form-data is not accepted/],
    ['', /The request has no Content-Type/],
  ])('a JSON body sent as "%s" is a 415 and adds nothing', async (type, details) => {
    const before = await ledgerSnapshot(admin, customerId);
    const raw = await fetch(`${server().baseUrl}/api/admin/credits/add`, {
      method: 'POST',
      headers: { cookie: `next-auth.session-token=${admin.sessionToken}`, ...(type ? { 'content-type': type } : {}) },
      body: new Blob([body()]), // a Blob without a type: fetch adds no Content-Type of its own
    });
    expect(raw.status).toBe(415);
    const err = assertExactErrorShape(await raw.json());
    expect(err).toMatchObject({ error: 'Unsupported Media Type', code: 'unsupported_media_type' });
    expect(String(err.details)).toMatch(details);
    expect(await ledgerSnapshot(admin, customerId)).toEqual(before);
  });

  it('application/json with a charset parameter, in any case, is JSON', async () => {
    const res = await fetch(`${server().baseUrl}/api/admin/credits/add`, {
      method: 'POST',
      headers: { cookie: `next-auth.session-token=${admin.sessionToken}`, 'content-type': 'Application/JSON; charset=utf-8' },
      body: body(),
    });
    expect(res.status).toBe(200);
  });

  it('a route that reads CSV as well (the bulk upload) takes text/csv and JSON, and names both when refusing anything else', async () => {
    const post = (type: string, text: string) =>
      fetch(`${server().baseUrl}/api/admin/credits/bulk?dryRun=true`, {
        method: 'POST',
        headers: { cookie: `next-auth.session-token=${admin.sessionToken}`, 'content-type': type },
        body: text,
      });
    const csv = await post('text/csv; charset=utf-8', `customerId,amount,description\n${customerId},5,csv upload`);
    expect(csv.status).toBe(200);
    const json = await post('application/json', JSON.stringify({ rows: [{ customerId, amount: 5, description: 'json upload' }] }));
    expect(json.status).toBe(200);
    const plain = await post('text/plain', `customerId,amount,description\n${customerId},5,plain`);
    expect(plain.status).toBe(415);
    expect(String(assertExactErrorShape(await plain.json()).details)).toMatch(/send the body as application\/json or text\/csv/);
  });

  it("Stripe's webhook, which reads its raw body, takes application/json only: anything else is a 415 before the signature is looked at", async () => {
    const res = await fetch(`${server().baseUrl}/api/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'stripe-signature': 't=1,v1=00' },
      body: '{"id":"evt_x","type":"charge.refunded"}',
    });
    expect(res.status).toBe(415);
    expect(assertExactErrorShape(await res.json())).toMatchObject({ code: 'unsupported_media_type' });
  });

  it("NextAuth's own form posts (/api/auth/*) are not API JSON routes and still sign in", async () => {
    const s = server();
    const res = await admin.signIn(s.adminUsername, s.adminPassword); // application/x-www-form-urlencoded
    expect(res.status).toBe(302);
    expect(admin.sessionToken).toBeTruthy();
  });
});

describe('Content-Security-Policy', () => {
  const scriptSrc = (csp: string) => /script-src ([^;]*)/.exec(csp)?.[1] ?? '';

  it("pages: a fresh nonce per response on every script Next emits, no 'unsafe-inline' scripts", async () => {
    const pages = await Promise.all([fetch(`${server().baseUrl}/login`), fetch(`${server().baseUrl}/login`)]);
    const nonces: string[] = [];
    for (const res of pages) {
      expect(res.status).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      const nonce = /'nonce-([^']+)'/.exec(scriptSrc(csp))?.[1];
      expect(nonce, csp).toBeTruthy();
      expect(scriptSrc(csp)).not.toMatch(/unsafe-inline/);
      expect(csp).toMatch(/frame-ancestors 'none'/);
      const html = await res.text();
      const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
      expect(scripts.length).toBeGreaterThan(0);
      for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
      nonces.push(nonce!);
    }
    expect(nonces[0]).not.toBe(nonces[1]);
  });

  it('API answers run nothing and frame nothing', async () => {
    const res = await admin.get('/api/admin/customers');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(scriptSrc(csp)).toBe("'none'");
    expect(csp).toMatch(/frame-ancestors 'none'/);
  });
});
