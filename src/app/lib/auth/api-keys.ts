import 'server-only';
import crypto from 'node:crypto';
import { recordAudit } from '../audit';
import type { Db, Queryable } from '../db';
import { listPage, type Page } from '../db/paging';
import { Conditions } from '../db/sql';
import { AppError, forbidden, invalid, notFound } from '../errors';
import type { ApiKeyDto, ApiKeyListQuery, CreateApiKeyInput } from './api-key-schemas';
import type { Caller, ClientInfo } from './caller';
import { keyMayHold, PERMISSIONS, scopeOf, type Permission } from './permissions';
import type { Role } from './roles';

/**
 * API keys: `rtk_` and 32 random bytes (base64url), shown once when made. Only their SHA-256 is
 * stored: the key has 256 bits of entropy, so unlike a password it can't be guessed or searched
 * for from its hash, and a fast hash lets every request find its key by a unique index (a slow
 * one would cost each request what a sign-in costs). A key acts for one customer (or, made by a
 * SUPER_ADMIN without one, for the platform) with the permissions it was given, and only while
 * its creator is active and could still make it.
 */
const PREFIX = 'rtk_';
const SHOWN = 8;

const hashOf = (key: string) => crypto.createHash('sha256').update(key).digest();

/** The role a key acts as: a platform key as SUPER_ADMIN, a customer's key as its CUSTOMER_ADMIN. */
export const keyRole = (customerId: number | null): Role => (customerId === null ? 'SUPER_ADMIN' : 'CUSTOMER_ADMIN');

/** What a creator may make: the key's role must have the permission, and so must the creator's. */
function refusal(creator: Role, customerId: number | null, p: Permission): AppError | null {
  if (!keyMayHold(p)) return invalid(`${p} can't be given to an API key`, { permissions: `${p} is only for people signed in` });
  if (!scopeOf(creator, p)) return forbidden('Forbidden', `You can only give a key permissions your role has, and it has no ${p}`);
  if (!scopeOf(keyRole(customerId), p)) {
    const who = customerId === null ? 'platform key' : "customer's key";
    return invalid(`A ${who} can't hold ${p}`, {
      permissions: `${p} is not a permission of ${keyRole(customerId)}, which a ${who} acts as`,
    });
  }
  return null;
}

/** The permissions `creator` may give a key for `customerId` (null: a platform key). */
export const grantablePermissions = (creator: Role, customerId: number | null): Permission[] =>
  (Object.keys(PERMISSIONS) as Permission[]).filter((p) => refusal(creator, customerId, p) === null);

interface KeyRow {
  id: number;
  name: string;
  prefix: string;
  customer_id: number | null;
  customer_name: string | null;
  permissions: string[];
  created_at: Date;
  created_by: number;
  creator_username: string;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

const toDto = (r: KeyRow): ApiKeyDto => ({
  id: Number(r.id),
  name: r.name,
  prefix: r.prefix,
  customerId: r.customer_id,
  customerName: r.customer_name,
  permissions: r.permissions,
  createdAt: r.created_at.toISOString(),
  createdBy: { id: r.created_by, username: r.creator_username },
  expiresAt: iso(r.expires_at),
  lastUsedAt: iso(r.last_used_at),
  revokedAt: iso(r.revoked_at),
});

const KEY_SQL = `SELECT k.id, k.name, k.prefix, k.customer_id, c.name AS customer_name, k.permissions, k.created_at,
       k.created_by, u.username AS creator_username, k.expires_at, k.last_used_at, k.revoked_at
  FROM api_keys k JOIN users u ON u.id = k.created_by LEFT JOIN customers c ON c.id = k.customer_id`;

/**
 * Makes a key for `customerId` (undefined: the platform, which only an `any` caller reaches; the
 * door has already pinned an `own` caller to their customer). The secret is in this answer only.
 */
export async function createApiKey(
  db: Db,
  caller: Caller,
  customerId: number | undefined,
  input: CreateApiKeyInput,
): Promise<{ apiKey: ApiKeyDto; key: string }> {
  if (input.customerId === null && caller.customerId !== null) {
    throw forbidden('Forbidden', 'You can only create API keys for your own customer account');
  }
  const forCustomer = customerId ?? null;
  for (const p of input.permissions) {
    const refused = refusal(caller.role, forCustomer, p);
    if (refused) throw refused;
  }
  const key = PREFIX + crypto.randomBytes(32).toString('base64url');
  const prefix = key.slice(0, PREFIX.length + SHOWN);
  return db.transaction(async (tx) => {
    if (forCustomer !== null) {
      const { rowCount } = await tx.query('SELECT 1 FROM customers WHERE id = $1', [forCustomer]);
      if (rowCount === 0) throw notFound('Customer', `No customer with ID ${forCustomer}`);
    }
    const { rows } = await tx.query<{ id: number }>(
      `INSERT INTO api_keys (name, prefix, key_hash, customer_id, permissions, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [input.name, prefix, hashOf(key), forCustomer, input.permissions, caller.id, input.expiresAt ?? null],
    );
    const id = Number(rows[0]!.id);
    const apiKey = (await keysWhere(tx, new Conditions().add('k.id = ?', id)))[0]!;
    await recordAudit(tx, {
      action: 'api_key.created',
      actor: caller,
      customerId: forCustomer,
      target: { type: 'api_key', id },
      after: { name: apiKey.name, prefix, customerId: forCustomer, permissions: apiKey.permissions, expiresAt: apiKey.expiresAt },
    });
    return { apiKey, key };
  });
}

async function keysWhere(q: Queryable, where: Conditions): Promise<ApiKeyDto[]> {
  const { rows } = await q.query<KeyRow>(`${KEY_SQL} ${where.sql} ORDER BY k.id`, where.params);
  return rows.map(toDto);
}

/** The keys of one customer (or, for an `any` caller naming none, every key), newest first; never a secret. */
export function listApiKeys(db: Queryable, customerId: number | undefined, q: ApiKeyListQuery): Promise<Page<ApiKeyDto>> {
  const where = new Conditions().maybe('k.customer_id = ?', customerId);
  return listPage(db, q, {
    where,
    countFrom: 'FROM api_keys k',
    exactCount: true,
    select: (limit, offset) => `${KEY_SQL} ${where.sql} ORDER BY k.id DESC LIMIT ${limit} OFFSET ${offset}`,
    map: toDto,
  });
}

/** Revokes a key at once; a tenant-scoped caller (customerId) reaches only their customer's keys. Revoking twice changes nothing. */
export async function revokeApiKey(db: Db, caller: Caller, customerId: number | undefined, id: number): Promise<{ apiKey: ApiKeyDto }> {
  return db.transaction(async (tx) => {
    const scoped = new Conditions().add('id = ?', id).maybe('customer_id = ?', customerId);
    const { rows } = await tx.query<{ customer_id: number | null; revoked_at: Date | null }>(
      `SELECT customer_id, revoked_at FROM api_keys ${scoped.sql} FOR UPDATE`,
      scoped.params,
    );
    const row = rows[0];
    if (!row) throw notFound('API key', `No API key with ID ${id}`);
    if (!row.revoked_at) {
      await tx.query('UPDATE api_keys SET revoked_at = now(), revoked_by = $2 WHERE id = $1', [id, caller.id]);
    }
    const apiKey = (await keysWhere(tx, new Conditions().add('k.id = ?', id)))[0]!;
    if (!row.revoked_at) {
      await recordAudit(tx, {
        action: 'api_key.revoked',
        actor: caller,
        customerId: row.customer_id,
        target: { type: 'api_key', id },
        after: { name: apiKey.name, prefix: apiKey.prefix },
      });
    }
    return { apiKey };
  });
}

interface AuthRow {
  id: number;
  name: string;
  prefix: string;
  customer_id: number | null;
  customer_name: string | null;
  customer_status: string | null;
  permissions: string[];
  revoked: boolean;
  expired: boolean;
  stale: boolean;
  user_id: number;
  username: string;
  role: Role;
  creator_customer_id: number | null;
  creator_customer_status: string | null;
  active: boolean;
  two_factor: boolean;
}

const refused = (details: string) => new AppError('unauthorized', 'Unauthorized - Invalid API key', details);

/** The key an `Authorization` header carries: `Bearer <key>` (the scheme in any case); undefined: no header. */
export function bearerKey(header: string | null): string | undefined | null {
  if (header === null) return undefined;
  const m = /^bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m ? m[1]! : null;
}

/**
 * The caller an API key makes, read fresh for every request like a session's: revoked, expired
 * and deactivated (creator or customer) keys are refused at once. `last_used_at` is written at
 * most once a minute.
 */
export async function authenticateApiKey(db: Queryable, header: string, client: ClientInfo): Promise<Caller> {
  const key = bearerKey(header);
  if (!key || !key.startsWith(PREFIX)) throw refused('Send Authorization: Bearer rtk_… with a key from the dashboard\'s API keys screen');
  const { rows } = await db.query<AuthRow>(
    `SELECT k.id, k.name, k.prefix, k.customer_id, c.name AS customer_name, c.status AS customer_status, k.permissions,
            k.revoked_at IS NOT NULL AS revoked,
            k.expires_at IS NOT NULL AND k.expires_at <= now() AS expired,
            k.last_used_at IS NULL OR k.last_used_at <= now() - interval '60 seconds' AS stale,
            u.id AS user_id, u.username, u.role, u.customer_id AS creator_customer_id, cu.status AS creator_customer_status,
            u.active, t.enabled_at IS NOT NULL AS two_factor
       FROM api_keys k
       JOIN users u ON u.id = k.created_by
       LEFT JOIN customers c ON c.id = k.customer_id
       LEFT JOIN customers cu ON cu.id = u.customer_id
       LEFT JOIN user_two_factor t ON t.user_id = u.id
      WHERE k.key_hash = $1`,
    [hashOf(key)],
  );
  const k = rows[0];
  if (!k) throw refused('No such API key');
  if (k.revoked) throw refused('This API key was revoked');
  if (k.expired) throw refused('This API key has expired');
  if (!k.active) throw refused('The user who created this API key has been deactivated');
  if (k.creator_customer_id !== null && k.creator_customer_status !== 'active') throw refused("The API key's creator's customer account has been deactivated");
  if (k.customer_id !== null && k.customer_status !== 'active') throw refused("This API key's customer account has been deactivated");
  const reach = scopeOf(k.role, 'api_keys.manage');
  if (!(reach === 'any' || (reach === 'own' && k.creator_customer_id === k.customer_id))) {
    throw refused('The user who created this API key can no longer manage its keys');
  }
  if (k.stale) await db.query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [k.id]);
  const customerId = k.customer_id;
  return {
    id: k.user_id,
    username: k.username,
    role: keyRole(customerId),
    customerId,
    customerName: k.customer_name,
    customerStatus: k.customer_status,
    active: k.active,
    twoFactor: k.two_factor,
    sessionId: null,
    client,
    apiKey: {
      id: Number(k.id),
      name: k.name,
      prefix: k.prefix,
      // Names no longer in the table grant nothing; the creator's role bounds the key as it did when made.
      permissions: k.permissions.filter((p): p is Permission => p in PERMISSIONS && refusal(k.role, customerId, p as Permission) === null),
    },
  };
}
