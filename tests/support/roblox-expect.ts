import {
  fixtureFriendCounts,
  fixtureGroups,
  fixtureHeadshot,
  fixtureUser,
  fixtureUsernameHistory,
} from '@/app/lib/searches/roblox/fixture';

/** The enriched profile a `profile` look-up answers for a user of the offline data set. */
export function expectedProfile(id: number) {
  const counts = fixtureFriendCounts(id);
  return {
    ...fixtureUser(id),
    headshotUrl: fixtureHeadshot(id).imageUrl,
    friendCount: counts.friends,
    followerCount: counts.followers,
    followingCount: counts.followings,
    usernameHistory: fixtureUsernameHistory(id, 10),
  };
}

/** The memberships a `groups` look-up answers for a user of the offline data set. */
export function expectedGroups(id: number) {
  return fixtureGroups(id).map(({ group, role }) => ({
    id: group.id,
    name: group.name,
    memberCount: group.memberCount ?? null,
    hasVerifiedBadge: group.hasVerifiedBadge,
    role,
  }));
}
