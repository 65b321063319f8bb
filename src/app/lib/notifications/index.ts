import 'server-only';
import { describeAlert } from '@/app/shared/notifications';
import type { Queryable } from '../db';
import { listPage, type Page } from '../db/paging';
import { Conditions } from '../db/sql';
import type { MarkReadInput, NotificationListQuery } from './schemas';

/**
 * The in-app notifications of one user (the header's bell): balance alerts of their customer for
 * its admins, "webhook disabled" notices for an endpoint's owners. Written by emit_event() in the
 * transaction of the change that raised them.
 */
export interface NotificationDto {
  id: number;
  type: string;
  title: string;
  message: string;
  customerId: number | null;
  customerName: string | null;
  data: Record<string, unknown>;
  createdAt: string;
  readAt: string | null;
}

interface NotificationRow {
  id: number;
  type: string;
  customer_id: number | null;
  customer_name: string | null;
  data: Record<string, unknown>;
  created_at: Date;
  read_at: Date | null;
}

const toDto = (r: NotificationRow): NotificationDto => ({
  id: r.id,
  type: r.type,
  ...describeAlert({ type: r.type, customerName: r.customer_name, data: r.data }),
  customerId: r.customer_id,
  customerName: r.customer_name,
  data: r.data,
  createdAt: r.created_at.toISOString(),
  readAt: r.read_at?.toISOString() ?? null,
});

export async function unreadCount(db: Queryable, userId: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL`, [userId]);
  return rows[0]!.n;
}

export async function listNotifications(db: Queryable, userId: number, q: NotificationListQuery): Promise<Page<NotificationDto> & { unreadCount: number }> {
  const where = new Conditions().add('n.user_id = ?', userId);
  if (q.unread !== undefined) where.add(`(n.read_at IS NULL) = ?`, q.unread);
  const [page, unread] = await Promise.all([
    listPage(db, q, {
      where,
      countFrom: 'FROM notifications n',
      select: (limit, offset) =>
        `SELECT n.id, n.type, n.customer_id, c.name AS customer_name, n.data, n.created_at, n.read_at
           FROM notifications n LEFT JOIN customers c ON c.id = n.customer_id
         ${where.sql} ORDER BY n.id DESC LIMIT ${limit} OFFSET ${offset}`,
      map: toDto,
    }),
    unreadCount(db, userId),
  ]);
  return { ...page, unreadCount: unread };
}

/** Marks the caller's notifications read (the ones named, or all); other users' ids are ignored. */
export async function markRead(db: Queryable, userId: number, input: MarkReadInput): Promise<{ unreadCount: number }> {
  await db.query(
    `UPDATE notifications SET read_at = now() WHERE user_id = $1 AND read_at IS NULL AND ($2::bigint[] IS NULL OR id = ANY ($2))`,
    [userId, input.ids ?? null],
  );
  return { unreadCount: await unreadCount(db, userId) };
}
