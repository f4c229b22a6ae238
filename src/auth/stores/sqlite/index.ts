/**
 * The embedded default store: one SQLite file (WAL) that survives restarts and crashes. Revocation
 * and login notifications reach the instances of this process at once (see local-bus.ts); revocations
 * reach other processes on the file within a fraction of a second (see revocations.ts).
 */
import { systemClock, type Clock } from '../../../keys/clock.js';
import type { Stores } from '../types.js';
import { SqliteDatabase } from './database.js';
import { acquireBus } from './local-bus.js';
import { SqliteLoginStore } from './logins.js';
import { SqliteRevocationStore } from './revocations.js';
import { SqliteSessionStore } from './sessions.js';
import { SqliteUserStore } from './users.js';

/** Expired rows are invisible at once (queries compare expires_at); the purge only reclaims space. */
const PURGE_INTERVAL_MS = 60_000;

/** `clock`: the time records expire on. */
export function createSqliteStores(path: string, clock: Clock = systemClock): Stores {
  const database = new SqliteDatabase(path);
  const { bus, release } = acquireBus(path);
  // Deleting a session deletes its refresh tokens too (ON DELETE CASCADE).
  const purges = ['sessions', 'revoked_jtis', 'logins'].map((table) =>
    database.db.prepare<[number]>(`DELETE FROM ${table} WHERE expires_at <= ?`),
  );
  const purgeExpired = (): void => {
    try {
      database.write('purge', () => purges.forEach((statement) => statement.run(clock())));
    } catch {
      // A busy or failing file is retried at the next tick; the records are already invisible.
    }
  };
  purgeExpired();
  const timer = setInterval(purgeExpired, PURGE_INTERVAL_MS);
  timer.unref();

  const revocations = new SqliteRevocationStore(database, bus);
  return {
    sessions: new SqliteSessionStore(database, clock),
    revocations,
    logins: new SqliteLoginStore(database, bus, clock),
    users: new SqliteUserStore(database),
    ping: async () => {
      database.run('ping', () => database.db.prepare('SELECT 1').get());
    },
    close: async () => {
      clearInterval(timer);
      revocations.close();
      release();
      database.close();
    },
  };
}
