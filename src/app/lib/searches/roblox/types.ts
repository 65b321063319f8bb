import 'server-only';
import { z } from 'zod';

// The shapes Roblox's Users API answers with (https://users.roblox.com/v1/…), validated on arrival.

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

export const robloxErrorBody = z.object({
  errors: z.array(z.object({ code: z.number(), message: z.string(), userFacingMessage: z.string().optional() })).min(1),
});

export interface RobloxProvider {
  readonly name: 'live' | 'fixture';
  searchUsers(keyword: string, limit?: number): Promise<RobloxUserSummary[]>;
  getUser(id: number): Promise<RobloxProfile>;
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
  constructor(message: string) {
    super(message);
    this.name = 'RobloxUnavailableError';
  }
}
