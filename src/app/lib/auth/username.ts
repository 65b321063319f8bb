import 'server-only';

/**
 * The one normal form of a username, used by every look-up and every sign-in limit. Usernames are
 * ASCII (the users table's CHECK), so a spelling with anything else (a dotted capital İ, a
 * full-width letter, a zero-width space) can't be anyone's: it reaches no account, instead of
 * reaching one through PostgreSQL's locale-dependent lower() while JavaScript's toLowerCase()
 * counted it as a different name.
 */
const USERNAME = /^[A-Za-z0-9_.@-]{3,64}$/;

/** The lower-case form of a username that could exist, or null for one that can't. */
export function normalizeUsername(raw: string): string | null {
  const trimmed = raw.trim();
  if (!USERNAME.test(trimmed)) return null;
  return trimmed.replace(/[A-Z]/g, (c) => c.toLowerCase());
}
