import { endpoint, route } from '@/app/lib/http/door';
import { markRead } from '@/app/lib/notifications';
import { markReadSchema, unreadResponse } from '@/app/lib/notifications/schemas';

export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  /** POST /api/me/notifications/read { ids? }: marks those (or all) of the caller's notifications read. */
  POST: route(
    {
      permission: 'account.notifications',
      summary: "Mark the caller's notifications read (the ids given, or all)",
      response: unreadResponse,
      example: { body: {} },
      body: markReadSchema,
    },
    ({ db, caller, body }) => markRead(db, caller.id, body),
  ),
});
