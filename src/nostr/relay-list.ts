/**
 * Changing the gateway's relays while it runs (the admin API and a SIGHUP reload). The relay pool is
 * the one list: new portal:// URLs name whatever relays it holds at the time, so adding a relay here
 * is all it takes for the next login to go through it. Logins already shown keep their URL.
 */
import { checkedRelayUrl } from '../config/relays.js';
import { RelayNotFound } from '../errors.js';
import type { RelayPool } from './relay-pool.js';

export interface RelayListChange {
  added: string[];
  removed: string[];
  /** The pool's relays afterwards. */
  relays: string[];
}

/** Connects `url` (checked) unless the pool has it already; true when it was new. */
export function addRelay(pool: RelayPool, url: unknown): boolean {
  const checked = checkedRelayUrl(url);
  if (pool.relays.includes(checked)) return false;
  pool.addRelay(checked);
  return true;
}

/** Disconnects `url`; RelayNotFound when the pool does not have it. */
export function removeRelay(pool: RelayPool, url: unknown): void {
  const checked = checkedRelayUrl(url);
  if (!pool.relays.includes(checked)) throw new RelayNotFound(checked);
  pool.removeRelay(checked);
}

/**
 * Makes the pool's relays exactly `wanted`: connects the new ones and closes the ones no longer
 * wanted; relays in both lists keep their connection (and their subscriptions) untouched. Every URL
 * is checked before anything changes, so a bad list changes nothing.
 */
export function applyRelayList(pool: RelayPool, wanted: readonly string[]): RelayListChange {
  const urls = [...new Set(wanted.map(checkedRelayUrl))];
  const current = pool.relays;
  const added = urls.filter((url) => !current.includes(url));
  const removed = current.filter((url) => !urls.includes(url));
  for (const url of added) pool.addRelay(url);
  for (const url of removed) pool.removeRelay(url);
  return { added, removed, relays: pool.relays };
}
