/**
 * Notifications between the instances that have the same SQLite file open in this process.
 * SQLite has no pub/sub, so other processes on the same file are not notified of logins; revocations
 * reach them through a counter they watch (revocations.ts). Deployments with several replicas use the
 * Redis store.
 */
import { realpathSync } from 'node:fs';
import { Listeners } from '../listeners.js';
import type { RevocationEvent } from '../types.js';

export interface LocalBus {
  revocations: Listeners<RevocationEvent>;
  logins: Listeners<string>;
}

const buses = new Map<string, { bus: LocalBus; holders: number }>();

/** The bus of an open database file; call `release` once when the instance closes. */
export function acquireBus(openFilePath: string): { bus: LocalBus; release: () => void } {
  const key = realpathSync(openFilePath);
  const entry = buses.get(key) ?? { bus: { revocations: new Listeners(), logins: new Listeners() }, holders: 0 };
  entry.holders += 1;
  buses.set(key, entry);
  let released = false;
  return {
    bus: entry.bus,
    release: () => {
      if (released) return;
      released = true;
      entry.holders -= 1;
      if (entry.holders === 0) buses.delete(key);
    },
  };
}
