import { apiKeyListResponse, apiKeyListSchema, createApiKeyResponse, createApiKeySchema } from '@/app/lib/auth/api-key-schemas';
import { createApiKey, listApiKeys } from '@/app/lib/auth/api-keys';
import { endpoint, route } from '@/app/lib/http/door';

export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  /** GET /api/admin/api-keys: every key (SUPER_ADMIN, optionally one customer's) or the caller's customer's; never a secret. */
  GET: route(
    {
      permission: 'api_keys.manage',
      summary: "API keys: every key, or one customer's (no secrets)",
      response: apiKeyListResponse,
      query: apiKeyListSchema,
      tenant: { query: 'customerId', action: 'view API keys of' },
    },
    ({ reads, tenant, query }) => listApiKeys(reads, tenant, query),
  ),
  /** POST /api/admin/api-keys: a key for a customer (or, by a SUPER_ADMIN, the platform); the secret is in this answer only. */
  POST: route(
    {
      permission: 'api_keys.manage',
      summary: 'Create an API key (the secret `key` is shown only in this answer)',
      response: createApiKeyResponse,
      errors: [404],
      example: { body: { name: 'Billing sync', customerId: 1, permissions: ['credits.read'] } },
      body: createApiKeySchema,
      tenant: { body: 'customerId', action: 'create API keys for' },
      status: 201,
    },
    ({ db, caller, tenant, body }) => createApiKey(db, caller, tenant, body),
  ),
});
