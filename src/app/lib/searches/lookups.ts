import 'server-only';
import type { SearchType } from '@/app/shared/searches';
import { allOrFirstError } from './roblox/client';
import type {
  RobloxApi,
  RobloxCallGate,
  RobloxFriendCounts,
  RobloxProfile,
  RobloxProvider,
  RobloxUserSummary,
  RobloxUsernameMatch,
} from './roblox';
import { usernamesOf, type SearchInput } from './schemas';

/**
 * The four look-up types: what each asks Roblox, how its answer is cached (the answer is the same
 * for everyone who asks the same question), how many units it is priced for, and what the caller
 * receives.
 */

export interface RobloxProfileDetails extends RobloxProfile {
  /** Avatar headshot (150×150); null when Roblox has none to show. */
  headshotUrl: string | null;
  friendCount: number;
  followerCount: number;
  followingCount: number;
  /** Earlier usernames, newest first (at most 10). */
  usernameHistory: string[];
}

export interface GroupMembership {
  id: number;
  name: string;
  memberCount: number | null;
  hasVerifiedBadge: boolean;
  role: { id: number; name: string; rank: number };
}

/** What Roblox answered, as cached. */
export type Answer =
  | { type: 'keyword'; results: RobloxUserSummary[] }
  | { type: 'profile'; profile: RobloxProfileDetails }
  | { type: 'groups'; groups: GroupMembership[] }
  | { type: 'usernames'; matches: RobloxUsernameMatch[] };

/** The part of a look-up's response that depends on its type. */
export type AnswerBody =
  | { type: 'keyword'; results: RobloxUserSummary[] }
  | { type: 'profile'; profile: RobloxProfileDetails }
  | { type: 'groups'; userId: number; groups: GroupMembership[] }
  | { type: 'usernames'; users: RobloxUsernameMatch[]; unresolved: string[] };

export interface Plan {
  type: SearchType;
  /** As stored in the history. */
  query: string;
  /** Same question, same key: the type and the normalised query. */
  cacheKey: string;
  /** Units the look-up is priced for before Roblox answers (names asked for; else 1). */
  units: number;
  /** Requests each Roblox API receives when every call succeeds first time. */
  calls: Partial<Record<RobloxApi, number>>;
  fetch(roblox: RobloxProvider, gate?: RobloxCallGate): Promise<Answer>;
  /** The caller's view of an answer (cached or fresh) and the units actually delivered. */
  present(answer: Answer): { body: AnswerBody; resultCount: number; units: number };
}

const KEYWORD_LIMIT = 10;
const HISTORY_LIMIT = 10;

export function planOf(input: SearchInput): Plan {
  const userId = Number(input.query);
  switch (input.type) {
    case 'keyword':
      return {
        type: 'keyword',
        query: input.query,
        // Roblox matches names case-insensitively; runs of spaces mean one.
        cacheKey: `keyword:${input.query.toLowerCase().replace(/\s+/g, ' ')}`,
        units: 1,
        calls: { users: 1 },
        fetch: async (roblox, gate) => ({ type: 'keyword', results: await roblox.searchUsers(input.query, KEYWORD_LIMIT, gate) }),
        present: (a) => {
          const results = (a as Extract<Answer, { type: 'keyword' }>).results;
          return { body: { type: 'keyword', results }, resultCount: results.length, units: 1 };
        },
      };
    case 'profile':
      return {
        type: 'profile',
        query: input.query,
        cacheKey: `profile:${userId}`,
        units: 1,
        calls: { users: 2, thumbnails: 1, friends: 3 },
        async fetch(roblox, gate) {
          // The profile first: an unknown id is a 404 before anything else is asked.
          const user = await roblox.getUser(userId, gate);
          const [usernameHistory, headshots, counts] = await allOrFirstError<[string[], Map<number, string | null>, RobloxFriendCounts]>([
            roblox.getUsernameHistory(userId, HISTORY_LIMIT, gate),
            roblox.getHeadshots([userId], gate),
            roblox.getFriendCounts(userId, gate),
          ]);
          return {
            type: 'profile',
            profile: {
              ...user,
              headshotUrl: headshots.get(userId) ?? null,
              friendCount: counts.friends,
              followerCount: counts.followers,
              followingCount: counts.followings,
              usernameHistory,
            },
          };
        },
        present: (a) => ({ body: { type: 'profile', profile: (a as Extract<Answer, { type: 'profile' }>).profile }, resultCount: 1, units: 1 }),
      };
    case 'groups':
      return {
        type: 'groups',
        query: input.query,
        cacheKey: `groups:${userId}`,
        units: 1,
        calls: { groups: 1 },
        async fetch(roblox, gate) {
          const roles = await roblox.getUserGroups(userId, gate);
          return {
            type: 'groups',
            groups: roles.map(({ group, role }) => ({
              id: group.id,
              name: group.name,
              memberCount: group.memberCount ?? null,
              hasVerifiedBadge: group.hasVerifiedBadge,
              role,
            })),
          };
        },
        present: (a) => {
          const groups = (a as Extract<Answer, { type: 'groups' }>).groups;
          return { body: { type: 'groups', userId: userId, groups }, resultCount: groups.length, units: 1 };
        },
      };
    case 'usernames': {
      const names = usernamesOf(input.query);
      return {
        type: 'usernames',
        query: input.query,
        // The same set of names is the same question, whatever the order or the case.
        cacheKey: `usernames:${names.map((n) => n.toLowerCase()).sort().join(',')}`,
        units: names.length,
        calls: { users: 1 },
        fetch: async (roblox, gate) => ({ type: 'usernames', matches: await roblox.resolveUsernames(names, gate) }),
        present(a) {
          // Answered in the caller's order and spelling, whoever asked first.
          const byName = new Map((a as Extract<Answer, { type: 'usernames' }>).matches.map((m) => [m.requestedUsername.toLowerCase(), m]));
          const users: RobloxUsernameMatch[] = [];
          const unresolved: string[] = [];
          for (const n of names) {
            const m = byName.get(n.toLowerCase());
            if (m) users.push({ ...m, requestedUsername: n });
            else unresolved.push(n);
          }
          return { body: { type: 'usernames', users, unresolved }, resultCount: users.length, units: users.length };
        },
      };
    }
  }
}
