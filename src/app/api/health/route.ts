import { health } from '@/app/lib/http/health';
import { endpoint } from '@/app/lib/http/door';

/** GET /api/health: public, for load balancers and start-up scripts. */
export const { GET, POST, PUT, PATCH, DELETE } = endpoint({ GET: health });
