/**
 * The API reference: GET /api/openapi.json is a valid OpenAPI 3.1 document, covers every route the
 * code declares, and tells the truth. Each documented example is sent to the live server and the
 * answer checked against the schema the document gives for the status it came back with.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { keyMayHold } from '@/app/lib/auth/permissions';
import { routeMethods } from '../../scripts/routes';
import { anonymous, ownSuperAdmin, superAdmin, type ApiClient } from '../support/api';

type Operation = {
  parameters?: Array<{ name: string; in: string; example?: string }>;
  requestBody?: { content: Record<string, { example?: unknown }> };
  responses: Record<string, { content?: Record<string, { schema?: Record<string, unknown> }> }>;
  security?: unknown[];
};
type Doc = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> } };

let doc: Doc;
let admin: ApiClient;
const ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));

beforeAll(async () => {
  // Its own: the examples include POST /api/me/sessions/revoke-all, which would sign every other
  // suite's bootstrap-admin client out.
  admin = await ownSuperAdmin(await superAdmin(), 'oasuper');
  const res = await anonymous().get('/api/openapi.json');
  expect(res.status).toBe(200);
  doc = (await res.json()) as Doc;
});

/** Inlines `#/components/schemas/…` references, so each schema validates on its own. */
function resolve(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(resolve);
  if (!schema || typeof schema !== 'object') return schema;
  const ref = (schema as { $ref?: string }).$ref;
  if (ref?.startsWith('#/components/schemas/')) return resolve(doc.components.schemas[ref.slice('#/components/schemas/'.length)]);
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, resolve(v)]));
}

describe('GET /api/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect((doc as unknown as { openapi: string }).openapi).toBe('3.1.0');
  });

  it('documents every route the code declares, with a response schema and the error shape', async () => {
    const declared = (await routeMethods()).filter((r) => r.spec);
    expect(declared.length).toBeGreaterThanOrEqual(13);
    for (const r of declared) {
      const op = doc.paths[r.path]?.[r.method.toLowerCase()];
      expect(op, `${r.method} ${r.path} is missing`).toBeDefined();
      const success = String(r.spec!.status ?? 200);
      expect(op!.responses[success], `${r.method} ${r.path} ${success}`).toBeDefined();
      if (r.spec!.response) expect(op!.responses[success]!.content?.['application/json']?.schema).toBeDefined();
      for (const status of ['401', '403']) {
        expect(op!.responses[status]?.content?.['application/json']?.schema).toEqual({ $ref: '#/components/schemas/Error' });
      }
      // Both schemes wherever an API key may be used; the session-only permissions take the cookie alone.
      expect(op!.security).toEqual(keyMayHold(r.spec!.permission) ? [{ session: [] }, { apiKey: [] }] : [{ session: [] }]);
      if (keyMayHold(r.spec!.permission)) expect(op!.responses['429']?.content?.['application/json']?.schema).toEqual({ $ref: '#/components/schemas/Error' });
    }
    expect(Object.keys(doc.components.securitySchemes)).toContain('session');
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('answers every documented example with a documented status, in the documented shape', async () => {
    const checked: string[] = [];
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        if (op.security?.length === 0) continue; // NextAuth's and the public routes
        let url = path;
        const query = new URLSearchParams();
        for (const p of op.parameters ?? []) {
          if (p.example === undefined) continue;
          if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(p.example));
          if (p.in === 'query') query.set(p.name, p.example);
        }
        if (url.includes('{')) continue; // no example for a path parameter: nothing to send
        const body = op.requestBody?.content['application/json']?.example;
        if (op.requestBody && body === undefined) continue;
        const res = await admin.request(method.toUpperCase(), `${url}${query.size ? `?${query}` : ''}`, body);
        const documented = op.responses[String(res.status)];
        const text = await res.text();
        expect(documented, `${method.toUpperCase()} ${url} answered ${res.status}, which is not documented: ${text.slice(0, 200)}`).toBeDefined();
        const schema = documented!.content?.['application/json']?.schema;
        if (schema && res.headers.get('content-type')?.includes('application/json')) {
          const validate = ajv.compile(resolve(schema) as object);
          expect(validate(JSON.parse(text)), `${method.toUpperCase()} ${url} ${res.status}: ${ajv.errorsText(validate.errors)}`).toBe(true);
        }
        checked.push(`${method.toUpperCase()} ${path} → ${res.status}`);
      }
    }
    expect(checked.length).toBeGreaterThanOrEqual(13);
  });
});

describe('/docs', () => {
  it('serves the API reference page and its viewer from this origin', async () => {
    const page = await anonymous().get('/docs');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('data-url="/api/openapi.json"');
    expect(html).toContain('src="/docs/scalar.js"');
    const viewer = await anonymous().get('/docs/scalar.js');
    expect(viewer.status).toBe(200);
    expect(viewer.headers.get('content-type')).toMatch(/javascript/);
    expect((await viewer.arrayBuffer()).byteLength).toBeGreaterThan(100_000);
  });
});
