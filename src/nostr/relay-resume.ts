/** How a relay connection comes back after a drop: when to retry, and what to ask for again. */
import type { Filter } from 'nostr-tools/filter';
import { isEphemeralKind } from './kinds.js';

/** Delay before retry `attempt` (0-based): half of the capped exponential step, plus up to the other half at random. */
export function backoffDelayMs(attempt: number, initialMs: number, maxMs: number, random: () => number): number {
  const step = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(step / 2 + (random() * step) / 2);
}

/**
 * Filters to send again after a reconnect. `since` = the newest created_at already seen (not +1:
 * another event may carry the same second; the pool drops the repeats). Filters of ephemeral kinds
 * only are sent unchanged: relays never replay those, and a `since` would only drop live events
 * from wallets whose clock lags.
 */
export function resumeFilters(filters: readonly Filter[], newestSec: number | undefined): Filter[] {
  if (newestSec === undefined) return [...filters];
  return filters.map((filter) => {
    if (filter.kinds?.length && filter.kinds.every(isEphemeralKind)) return filter;
    return { ...filter, since: Math.max(filter.since ?? 0, newestSec) };
  });
}
