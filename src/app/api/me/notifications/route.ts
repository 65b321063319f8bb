import { endpoint, route } from '@/app/lib/http/door';
import { listNotifications } from '@/app/lib/notifications';
import { notificationListSchema, notificationPageResponse } from '@/app/lib/notifications/schemas';

export const { GET, POST, PUT, PATCH, DELETE } = endpoint({
  /** GET /api/me/notifications: the caller's notifications, newest first, with `unreadCount` (the header's bell). */
  GET: route(
    {
      permission: 'account.notifications',
      summary: "The caller's notifications (balance alerts), newest first, and the unread count",
      response: notificationPageResponse,
      example: { query: { pageSize: '10' } },
      query: notificationListSchema,
    },
    ({ db, caller, query }) => listNotifications(db, caller.id, query),
  ),
});
