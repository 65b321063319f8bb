import 'server-only';
import { z } from 'zod';

// The shapes Roblox's APIs answer with (users, thumbnails, friends, groups), validated on arrival.

export const robloxUserSummary = z.object({
  id: z.number().int().positive(),
  name: z.string(),
  displayName: z.string(),
  hasVerifiedBadge: z.boolean(),
  previousUsernames: z.array(z.string()).default([]),
});
export type RobloxUserSummary = z.output<typeof robloxUserSummary>;

export const robloxSearchResponse = z.object({
  previousPageCursor: z.string().nullable().optional(),
  nextPageCursor: z.string().nullable().optional(),
  data: z.array(robloxUserSummary),
});

export const robloxProfile = z.object({
  id: z.number().int().positive(),
  name: z.string(),
  displayName: z.string(),
  description: z.string().default(''),
  created: z.string(),
  isBanned: z.boolean(),
  hasVerifiedBadge: z.boolean(),
  externalAppDisplayName: z.string().nullable().optional(),
});
export type RobloxProfile = z.output<typeof robloxProfile>;

/** GET users /v1/users/{id}/username-history */
export const robloxUsernameHistory = z.object({
  previousPageCursor: z.string().nullable().optional(),
  nextPageCursor: z.string().nullable().optional(),
  data: z.array(z.object({ name: z.string() })),
});

/** POST users /v1/usernames/users: the names Roblox resolved (unknown ones are simply absent). */
export const robloxUsernameMatch = z.object({
  requestedUsername: z.string(),
  id: z.number().int().positive(),
  name: z.string(),
  displayName: z.string(),
  hasVerifiedBadge: z.boolean(),
});
export type RobloxUsernameMatch = z.output<typeof robloxUsernameMatch>;
export const robloxUsernamesResponse = z.object({ data: z.array(robloxUsernameMatch) });

/** Image URLs we are willing to put in an <img>: Roblox's CDN (https) or an inline image. */
const imageUrl = z
  .string()
  .refine((s) => /^https:\/\/[^\s]+$/.test(s) || /^data:image\/(png|jpeg|webp|svg\+xml)[;,]/.test(s), 'not an image URL');

/** GET thumbnails /v1/users/avatar-headshot?userIds=…: one entry per user; no image unless Completed. */
export const robloxHeadshots = z.object({
  data: z.array(
    z.object({
      targetId: z.number().int(),
      state: z.string(),
      imageUrl: imageUrl.nullable().optional(),
    }),
  ),
});

/** GET friends /v1/users/{id}/friends/count, …/followers/count, …/followings/count */
export const robloxCount = z.object({ count: z.number().int().nonnegative() });

/** GET groups /v2/users/{id}/groups/roles */
export const robloxGroupRoles = z.object({
  data: z.array(
    z.object({
      group: z.object({
        id: z.number().int().positive(),
        name: z.string(),
        memberCount: z.number().int().nonnegative().optional(),
        hasVerifiedBadge: z.boolean().default(false),
      }),
      role: z.object({ id: z.number().int(), name: z.string(), rank: z.number().int().min(0).max(255) }),
    }),
  ),
});
export type RobloxGroupRole = z.output<typeof robloxGroupRoles>['data'][number];

export interface RobloxFriendCounts {
  friends: number;
  followers: number;
  followings: number;
}

export const robloxErrorBody = z.object({
  errors: z.array(z.object({ code: z.number(), message: z.string(), userFacingMessage: z.string().optional() })).min(1),
});

/** Roblox's API hosts, each with its own base URL and its own share of the rate limit. */
export const ROBLOX_APIS = ['users', 'thumbnails', 'friends', 'groups'] as const;
export type RobloxApi = (typeof ROBLOX_APIS)[number];

/**
 * Before each request to a Roblox host the live client asks for a token; a refusal ends the call
 * (RobloxRateLimitedError). A 429 from Roblox is reported so every instance pauses that host.
 */
export interface RobloxCallGate {
  beforeRequest(api: RobloxApi): Promise<void>;
  rateLimitedBy(api: RobloxApi, retryAfterSeconds: number): Promise<void>;
}

export interface RobloxProvider {
  readonly name: 'live' | 'fixture';
  searchUsers(keyword: string, limit?: number, gate?: RobloxCallGate): Promise<RobloxUserSummary[]>;
  getUser(id: number, gate?: RobloxCallGate): Promise<RobloxProfile>;
  /** Newest first, at most `limit` (10, 25, 50 or 100). */
  getUsernameHistory(id: number, limit?: number, gate?: RobloxCallGate): Promise<string[]>;
  /** Headshot image URL per user id (null: Roblox has no image to show, e.g. blocked or pending). */
  getHeadshots(ids: number[], gate?: RobloxCallGate): Promise<Map<number, string | null>>;
  getFriendCounts(id: number, gate?: RobloxCallGate): Promise<RobloxFriendCounts>;
  getUserGroups(id: number, gate?: RobloxCallGate): Promise<RobloxGroupRole[]>;
  resolveUsernames(names: string[], gate?: RobloxCallGate): Promise<RobloxUsernameMatch[]>;
}

/** Roblox refused the request itself (keyword too short or filtered, unknown user): the caller's input. */
export class RobloxRejectedError extends Error {
  constructor(
    readonly status: 400 | 404,
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'RobloxRejectedError';
  }
}

/** Roblox could not answer (timeout, 429 or 5xx after retries, malformed body): not the caller's fault. */
export class RobloxUnavailableError extends Error {
  constructor(
    message: string,
    /** Which API host failed, for the message a person reads. */
    readonly api: RobloxApi = 'users',
  ) {
    super(message);
    this.name = 'RobloxUnavailableError';
  }
}

/** The shared rate limit for a Roblox host is spent (or Roblox asked us to pause): no request was sent. */
export class RobloxRateLimitedError extends Error {
  constructor(
    readonly api: RobloxApi,
    readonly retryAfterSeconds: number,
  ) {
    super(`the rate limit for Roblox's ${api} API is reached; retry in ${retryAfterSeconds} s`);
    this.name = 'RobloxRateLimitedError';
  }
}
