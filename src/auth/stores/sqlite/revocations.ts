import type { RevocationEvent, RevocationSnapshot, RevocationStore } from '../types.js';
import { assertId, assertTime, assertUserKey } from '../validate.js';
import type { SqliteDatabase } from './database.js';
import type { LocalBus } from './local-bus.js';

export class SqliteRevocationStore implements RevocationStore {
  private readonly sql;

  constructor(
    private readonly database: SqliteDatabase,
    private readonly bus: LocalBus,
  ) {
    const db = database.db;
    this.sql = {
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
    const row = this.database.write('revokeJti', () => this.sql.revokeJti.get(jti, expiresAt)!);
    this.bus.revocations.emit({ kind: 'jti', jti, expiresAt: row.expiresAt });
  }

  async setUserNotBefore(userKey: string, notBefore: number): Promise<number> {
    assertUserKey(userKey);
    assertTime(notBefore, 'notBefore');
    const row = this.database.write('setUserNotBefore', () => this.sql.raiseNotBefore.get(userKey, notBefore)!);
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
    return this.bus.revocations.add(listener);
  }
}
