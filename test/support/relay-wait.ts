/** Waiting for relay state in tests: poll instead of sleeping a guessed time. */
import type { RelayPool } from '../../src/nostr/relay-pool.js';

/** Resolves once `predicate` holds; rejects with `what` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Every relay of `pool` has confirmed `subscriptions` live subscriptions (EOSE on the current connection). */
export function waitForLive(
  pool: RelayPool,
  subscriptions: number,
  relays = pool.relays,
  timeoutMs = 10_000,
): Promise<void> {
  const live = (): boolean =>
    pool
      .status()
      .filter((s) => relays.includes(s.url))
      .every((s) => s.liveSubscriptions >= subscriptions);
  return waitFor(live, `${subscriptions} live subscriptions on ${relays.join(', ')}`, timeoutMs);
}
