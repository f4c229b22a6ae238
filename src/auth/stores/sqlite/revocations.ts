import { Listeners } from '../listeners.js';
import type { RevocationEvent, RevocationSnapshot, RevocationStore } from '../types.js';
import { assertId, assertTime, assertUserKey } from '../validate.js';
import type { SqliteDatabase } from './database.js';
import type { LocalBus } from './local-bus.js';

/**
 * How often a subscribed instance reads the revocation counter for revocations made by other processes
 * on the file (instances of this process hear them at once through the bus).
 */
export const REVOCATION_WATCH_INTERVAL_MS = 250;

/**
 * Revocations in SQLite. SQLite has no pub/sub: each revocation also raises a counter in its transaction,
 * and a subscribed instance reads that one row a few times a second; a change it did not make itself
 * tells its listeners to reload (`resync`), so a logout at a gateway reaches another process on the same
 * file (an app embedding portalAuth, another gateway) within a fraction of a second.
 */
export class SqliteRevocationStore implements RevocationStore {
  private readonly sql;
  /** The counter value this instance's listeners are up to date with. */
  private seenRevision = 0;
  /** This instance's listeners (the bus has every instance's of this process): told to reload. */
  private readonly own = new Listeners<RevocationEvent>();
  private subscribers = 0;
  private watchTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly database: SqliteDatabase,
    private readonly bus: LocalBus,
    private readonly watchIntervalMs = REVOCATION_WATCH_INTERVAL_MS,
  ) {
    const db = database.db;
    this.sql = {
      raiseRevision: db.prepare<[], { revision: number }>(
        'UPDATE revocation_revision SET revision = revision + 1 WHERE id = 1 RETURNING revision',
      ),
      revision: db.prepare<[], { revision: number }>('SELECT revision FROM revocation_revision WHERE id = 1'),
      // Upserts keep the larger value and return it, so the event carries what is in force.
      revokeJti: db.prepare<[string, number], { expiresAt: number }>(
        `INSERT INTO revoked_jtis (jti, expires_at) VALUES (?, ?)
         ON CONFLICT (jti) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)
         RETURNING expires_at AS expiresAt`,
      ),
      raiseNotBefore: db.prepare<[string, number], { notBefore: number }>(
        `INSERT INTO user_not_before (user_key, not_before) VALUES (?, ?)
         ON CONFLICT (user_key) DO UPDATE SET not_before = max(not_before, excluded.not_before)
         RETURNING not_before AS notBefore`,
      ),
      liveJtis: db.prepare<[number], { jti: string; expiresAt: number }>(
        'SELECT jti, expires_at AS expiresAt FROM revoked_jtis WHERE expires_at > ?',
      ),
      notBefore: db.prepare<[], { userKey: string; notBefore: number }>(
        'SELECT user_key AS userKey, not_before AS notBefore FROM user_not_before',
      ),
    };
  }

  async revokeJti(jti: string, expiresAt: number): Promise<void> {
    assertId(jti, 'jti');
    assertTime(expiresAt, 'expiresAt');
    const [row, revision] = this.database.write(
      'revokeJti',
      () => [this.sql.revokeJti.get(jti, expiresAt)!, this.raiseRevision()] as const,
    );
    this.caughtUp(revision);
    this.bus.revocations.emit({ kind: 'jti', jti, expiresAt: row.expiresAt });
  }

  async setUserNotBefore(userKey: string, notBefore: number): Promise<number> {
    assertUserKey(userKey);
    assertTime(notBefore, 'notBefore');
    const [row, revision] = this.database.write(
      'setUserNotBefore',
      () => [this.sql.raiseNotBefore.get(userKey, notBefore)!, this.raiseRevision()] as const,
    );
    this.caughtUp(revision);
    this.bus.revocations.emit({ kind: 'not-before', userKey, notBefore: row.notBefore });
    return row.notBefore;
  }

  async loadRevocations(now: number): Promise<RevocationSnapshot> {
    assertTime(now, 'now');
    return this.database.run('loadRevocations', () => ({
      jtis: this.sql.liveJtis.all(now),
      userNotBefore: this.sql.notBefore.all(),
    }));
  }

  subscribe(listener: (event: RevocationEvent) => void): () => void {
    const fromBus = this.bus.revocations.add(listener);
    const fromWatch = this.own.add(listener);
    if (this.subscribers++ === 0) this.startWatching();
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      fromBus();
      fromWatch();
      if (--this.subscribers === 0) this.stopWatching();
    };
  }

  /** Stops reading the counter (the database is closing). */
  close(): void {
    this.stopWatching();
  }

  private raiseRevision(): number {
    return this.sql.raiseRevision.get()!.revision;
  }

  /**
   * After our own revocation committed as `revision`: the bus tells this process's listeners about it.
   * Only when the revision before it had been seen is nothing else new; otherwise the watch reloads.
   */
  private caughtUp(revision: number): void {
    if (revision === this.seenRevision + 1) this.seenRevision = revision;
  }

  private startWatching(): void {
    // Listeners load what is stored after subscribing: everything up to now counts as seen.
    this.seenRevision = this.readRevision() ?? this.seenRevision;
    this.watchTimer = setInterval(() => this.watch(), this.watchIntervalMs);
    this.watchTimer.unref();
  }

  private stopWatching(): void {
    clearInterval(this.watchTimer);
    this.watchTimer = undefined;
  }

  private watch(): void {
    const revision = this.readRevision();
    if (revision === undefined || revision === this.seenRevision) return;
    this.seenRevision = revision;
    this.own.emit({ kind: 'resync' });
  }

  /** Undefined when the file cannot be read now (busy, closing): the next tick tries again. */
  private readRevision(): number | undefined {
    try {
      return this.database.run('readRevision', () => this.sql.revision.get()!.revision);
    } catch {
      return undefined;
    }
  }
}
