'use client';

import { Empty } from '@/app/_ui/States';
import { formatCredits, formatDate, formatNumber } from '@/app/_ui/format';
import type { GroupMembership, RobloxProfileDetails, SearchResult } from '@/app/lib/searches';
import type { RobloxUserSummary, RobloxUsernameMatch } from '@/app/lib/searches/roblox/types';

/** What a look-up answered, rendered for people: one component per look-up type. */

export function Verified({ on, label = 'Verified' }: { on: boolean; label?: string }) {
  return on ? (
    <span className="badge badge-verified" title="Verified">
      {' '}
      {label}
    </span>
  ) : null;
}

export function CachedNote({ result }: { result: SearchResult }) {
  return (
    <p className="small muted" data-testid="lookup-outcome">
      {result.cached ? 'Answered from the shared cache' : 'Answered by Roblox'} · charged {formatCredits(result.creditsCharged)}
    </p>
  );
}

export function KeywordResults({
  query,
  users,
  actions,
}: {
  query: string;
  users: RobloxUserSummary[];
  actions: (u: RobloxUserSummary) => React.ReactNode;
}) {
  return (
    <section className="stack" aria-labelledby="results-heading">
      <h2 id="results-heading">
        Results for “{query}” <span className="muted small">({formatNumber(users.length)})</span>
      </h2>
      {users.length === 0 ? (
        <Empty>No Roblox users match “{query}”.</Empty>
      ) : (
        <ul className="result-grid">
          {users.map((u) => (
            <li key={u.id} className="card result-card">
              <p className="strong">
                {u.displayName}
                <Verified on={u.hasVerifiedBadge} />
              </p>
              <p className="muted">@{u.name}</p>
              {u.previousUsernames.length > 0 && <p className="small muted">Previously: {u.previousUsernames.join(', ')}</p>}
              <div className="row-actions">{actions(u)}</div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Headshot({ url, name, size = 96 }: { url: string | null; name: string; size?: number }) {
  return url ? (
    // A Roblox CDN or inline image whose size is known; next/image would proxy what needs no proxy.
    // eslint-disable-next-line @next/next/no-img-element
    <img className="headshot" src={url} alt={`Avatar of ${name}`} width={size} height={size} />
  ) : (
    <span className="headshot headshot-none" style={{ width: size, height: size }} role="img" aria-label={`No avatar image for ${name}`}>
      ?
    </span>
  );
}

export function ProfileCard({ profile, onBack }: { profile: RobloxProfileDetails; onBack?: () => void }) {
  return (
    <section className="card stack" aria-labelledby="profile-heading">
      <div className="profile-head">
        <Headshot url={profile.headshotUrl} name={profile.name} />
        <h2 id="profile-heading">
          {profile.displayName} <span className="muted">@{profile.name}</span>
          <Verified on={profile.hasVerifiedBadge} />
        </h2>
      </div>
      <dl className="stats">
        <div>
          <dt>Friends</dt>
          <dd>{formatNumber(profile.friendCount)}</dd>
        </div>
        <div>
          <dt>Followers</dt>
          <dd>{formatNumber(profile.followerCount)}</dd>
        </div>
        <div>
          <dt>Following</dt>
          <dd>{formatNumber(profile.followingCount)}</dd>
        </div>
        <div>
          <dt>User ID</dt>
          <dd className="small">{profile.id}</dd>
        </div>
        <div>
          <dt>Joined</dt>
          <dd className="small">{formatDate(profile.created)}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd className="small">{profile.isBanned ? 'Banned' : 'Active'}</dd>
        </div>
      </dl>
      <p>{profile.description || <span className="muted">No description.</span>}</p>
      <div>
        <h3>Username history</h3>
        {profile.usernameHistory.length === 0 ? (
          <p className="muted small">No earlier usernames.</p>
        ) : (
          <ol className="history-list" aria-label="Earlier usernames, newest first">
            {profile.usernameHistory.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ol>
        )}
      </div>
      {onBack && (
        <div>
          <button type="button" className="btn btn-secondary btn-small" onClick={onBack}>
            Back to results
          </button>
        </div>
      )}
    </section>
  );
}

export function GroupsTable({ userId, groups }: { userId: number; groups: GroupMembership[] }) {
  return (
    <section className="stack" aria-labelledby="groups-heading">
      <h2 id="groups-heading">
        Groups of user {userId} <span className="muted small">({formatNumber(groups.length)})</span>
      </h2>
      {groups.length === 0 ? (
        <Empty>User {userId} is in no groups.</Empty>
      ) : (
        <div className="table-scroll" role="region" aria-label="Groups table" tabIndex={0}>
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Group</th>
                <th scope="col">Role</th>
                <th scope="col" className="num">
                  Rank
                </th>
                <th scope="col" className="num">
                  Members
                </th>
              </tr>
            </thead>
            <tbody>
              {groups.map((g) => (
                <tr key={g.id}>
                  <td>
                    <span className="strong">{g.name}</span>
                    <Verified on={g.hasVerifiedBadge} />
                    <br />
                    <span className="small muted">ID {g.id}</span>
                  </td>
                  <td>{g.role.name}</td>
                  <td className="num">{g.role.rank}</td>
                  <td className="num">{g.memberCount === null ? '—' : formatNumber(g.memberCount)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function UsernamesTable({ users, unresolved }: { users: RobloxUsernameMatch[]; unresolved: string[] }) {
  return (
    <section className="stack" aria-labelledby="usernames-heading">
      <h2 id="usernames-heading">
        {formatNumber(users.length)} of {formatNumber(users.length + unresolved.length)} usernames found
      </h2>
      {users.length > 0 && (
        <div className="table-scroll" role="region" aria-label="Resolved usernames" tabIndex={0}>
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Asked for</th>
                <th scope="col">User ID</th>
                <th scope="col">Username</th>
                <th scope="col">Display name</th>
              </tr>
            </thead>
            <tbody>
              {users.map((u) => (
                <tr key={u.id}>
                  <td>{u.requestedUsername}</td>
                  <td className="mono">{u.id}</td>
                  <td>@{u.name}</td>
                  <td>
                    {u.displayName}
                    <Verified on={u.hasVerifiedBadge} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {unresolved.length > 0 && (
        <p data-testid="unresolved">
          <span className="strong">Not found (not charged):</span> {unresolved.join(', ')}
        </p>
      )}
    </section>
  );
}
