/**
 * Who may call with wallet-issued tokens: users who completed a login with this gateway (the user
 * store) and keys allow-listed in the configuration (`walletUsers`). HTTP-free.
 */
import { LRUCache } from 'lru-cache';
import type { UserStore } from './stores/types.js';

export interface KnownUsersOptions {
  /** x-only keys (64 lower-case hex) accepted without a login. */
  allowList?: readonly string[];
  /** Positive store answers kept in memory. Default 10,000. */
  cacheSize?: number;
}

export class KnownUsers {
  private readonly allowList: ReadonlySet<string>;
  // Only "known" is cached: a user never stops being known, so the answer cannot go stale, and a
  // user is accepted the moment their first login completes. "Unknown" is not cached because
  // anyone can mint tokens that recover to fresh random keys, so such a cache would not bound the
  // store lookups an attacker causes anyway.
  private readonly known: LRUCache<string, true>;

  constructor(
    private readonly users: Pick<UserStore, 'isKnownUser'>,
    options: KnownUsersOptions = {},
  ) {
    this.allowList = new Set(options.allowList ?? []);
    this.known = new LRUCache({ max: Math.max(1, options.cacheSize ?? 10_000) });
  }

  /** Throws the store's error (StoreUnavailable) when it cannot answer. */
  async isKnown(userKey: string): Promise<boolean> {
    if (this.allowList.has(userKey) || this.known.has(userKey)) return true;
    const known = await this.users.isKnownUser(userKey);
    if (known) this.known.set(userKey, true);
    return known;
  }
}
