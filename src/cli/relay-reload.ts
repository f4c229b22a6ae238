/**
 * SIGHUP in `serve`: read the relay list again, by the same rules as at start-up (PORTAL_RELAYS, else
 * the config file's `relays`, else relays.config.json), and apply the difference: new relays are
 * connected, gone ones closed, the others keep their connection. A file that cannot be read or does
 * not validate changes nothing; the error is logged. Only the relays are reloaded.
 */
import type { FastifyBaseLogger } from 'fastify';
import { applyRelayList, type RelayListChange } from '../nostr/relay-list.js';
import { reloadFailure } from './reload-failure.js';
import { logEvent } from '../events.js';
import { redactText, redactUrl } from '../http/logging.js';
import type { RelayPool } from '../nostr/relay-pool.js';

/** Reads the relay list as at start-up; throws (typed) when the configuration is bad. */
export type RelayListSource = () => readonly string[];

export function reloadRelays(
  pool: RelayPool,
  source: RelayListSource,
  log: FastifyBaseLogger,
): RelayListChange | undefined {
  try {
    // applyRelayList checks every URL before it changes anything.
    const change = applyRelayList(pool, source());
    // Relay URLs are logged like request URLs: a relay's query may carry an access key.
    const fields = {
      added: change.added.map(redactUrl),
      removed: change.removed.map(redactUrl),
      relays: change.relays.map(redactUrl),
    };
    logEvent(
      log,
      'relays_reloaded',
      fields,
      'info',
      `relays reloaded: ${change.added.length} added, ${change.removed.length} removed`,
    );
    return change;
  } catch (error) {
    const { code, problems } = reloadFailure(error);
    const fields = { code, problems: problems.map(redactText), relays: pool.relays.map(redactUrl) };
    logEvent(
      log,
      'relays_reload_failed',
      fields,
      'error',
      `relay reload failed, keeping the current ${pool.relays.length} relay(s): ${problems.join('; ')}`,
    );
    return undefined;
  }
}
