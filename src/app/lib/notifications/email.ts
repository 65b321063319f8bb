import 'server-only';
import nodemailer, { type Transporter } from 'nodemailer';
import { describeAlert } from '@/app/shared/notifications';
import { config } from '../config';
import type { Db, Queryable } from '../db';

let transport: { url: string; transporter: Transporter } | undefined;

function transporterFor(url: string): Transporter {
  if (transport?.url !== url) transport = { url, transporter: nodemailer.createTransport(url) };
  return transport.transporter;
}

/**
 * Who an alert is emailed to, looked up when it is sent: a customer's contact email and its
 * active admins' addresses; for the platform (a platform endpoint disabled), the SUPER_ADMINs'.
 */
async function recipients(db: Queryable, customerId: number | null): Promise<string[]> {
  const { rows } = await db.query<{ email: string }>(
    `SELECT contact_email AS email FROM customers WHERE id = $1 AND contact_email IS NOT NULL
     UNION
     SELECT u.email FROM users u
      WHERE u.active AND u.email IS NOT NULL
        AND CASE WHEN $1::int IS NULL THEN u.role = 'SUPER_ADMIN' ELSE u.customer_id = $1 AND u.role = 'CUSTOMER_ADMIN' END`,
    [customerId],
  );
  return [...new Set(rows.map((r) => r.email.toLowerCase()))].sort();
}

interface Due {
  id: number;
  attempts: number;
  type: string;
  customer_id: number | null;
  customer_name: string | null;
  data: Record<string, unknown>;
}

const MAX_ATTEMPTS = 10;

/**
 * One pass of the email job: every pending alert email is sent through SMTP_URL (or marked
 * `skipped` when it is unset or nobody has an address). A failure is retried with the webhooks'
 * backoff base, up to MAX_ATTEMPTS.
 */
export async function sendDueEmails(db: Db): Promise<number> {
  const { rows } = await db.query<Due>(
    `WITH due AS (
       SELECT id FROM email_outbox
        WHERE status = 'pending' AND next_attempt_at <= now() AND (locked_until IS NULL OR locked_until < now())
        ORDER BY id LIMIT 50 FOR UPDATE SKIP LOCKED
     ), claimed AS (
       UPDATE email_outbox o SET attempts = o.attempts + 1, locked_until = now() + interval '2 minutes'
         FROM due WHERE o.id = due.id RETURNING o.id, o.attempts, o.event_id
     )
     SELECT c.id, c.attempts, e.type, e.customer_id, cu.name AS customer_name, e.data
       FROM claimed c JOIN outbox_events e ON e.id = c.event_id LEFT JOIN customers cu ON cu.id = e.customer_id
      ORDER BY c.id`,
  );
  const { smtpUrl, from } = config.email;
  for (const due of rows) {
    const to = await recipients(db, due.customer_id);
    if (!smtpUrl || to.length === 0) {
      await db.query(`UPDATE email_outbox SET status = 'skipped', recipients = $2, locked_until = NULL WHERE id = $1`, [due.id, to]);
      continue;
    }
    const { title, message } = describeAlert({ type: due.type, customerName: due.customer_name, data: due.data });
    try {
      await transporterFor(smtpUrl).sendMail({ from, to, subject: `[roblox-tool] ${title}`, text: `${message}\n\n-- roblox-tool` });
      await db.query(`UPDATE email_outbox SET status = 'sent', recipients = $2, sent_at = now(), locked_until = NULL, last_error = NULL WHERE id = $1`, [due.id, to]);
    } catch (err) {
      const delay = config.webhooks.retryBaseSeconds * 2 ** Math.min(due.attempts - 1, 10);
      await db.query(
        `UPDATE email_outbox SET status = CASE WHEN attempts >= $3 THEN 'failed' ELSE 'pending' END,
                next_attempt_at = now() + make_interval(secs => $2), locked_until = NULL, last_error = $4
          WHERE id = $1`,
        [due.id, delay, MAX_ATTEMPTS, (err as Error).message.slice(0, 500)],
      );
    }
  }
  return rows.length;
}
