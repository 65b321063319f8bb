/**
 * Facts about look-ups that the server enforces and the search page states: the types, what each
 * is priced per, and the input limits. Plain values, safe to import on either side.
 */
export const SEARCH_TYPES = ['keyword', 'profile', 'groups', 'usernames'] as const;
export type SearchType = (typeof SEARCH_TYPES)[number];

/** What one price buys: a whole look-up, or (usernames) one name Roblox resolved. */
export type PriceUnit = 'lookup' | 'name';
export const PRICE_UNITS: Record<SearchType, PriceUnit> = { keyword: 'lookup', profile: 'lookup', groups: 'lookup', usernames: 'name' };

export const SEARCH_TYPE_LABELS: Record<SearchType, string> = {
  keyword: 'Users by name',
  profile: 'Profile',
  groups: 'Groups',
  usernames: 'Usernames to IDs',
};

export const MAX_KEYWORD_LENGTH = 50;
export const MAX_USERNAMES = 100;
/** Roblox usernames: 3-20 letters, digits and underscores. */
export const USERNAME_PATTERN = /^[A-Za-z0-9_]{3,20}$/;

export const MAX_PRICE = 1_000_000;

/** One entry of a price list as the API answers it. */
export interface PriceEntry {
  credits: number;
  per: PriceUnit;
  /** Where the price comes from: SEARCH_CREDIT_COST, the platform's list, or the customer's override. */
  source: 'default' | 'platform' | 'customer';
}
export type PriceList = Record<SearchType, PriceEntry>;
