import { endpoint } from '@/app/lib/http/door';
import { serveOpenApi } from '@/app/lib/http/openapi-file';

/** GET /api/openapi.json: public, the API reference generated from the routes' zod declarations. */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({ GET: serveOpenApi });
