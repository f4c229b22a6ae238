import { StoreConflict } from '../../../errors.js';
import type { Clock } from '../../../keys/clock.js';
import { rotationOutcome, type RefreshTokenRow } from '../rules.js';
import type { RotateResult, SessionMeta, SessionRecord, SessionStore } from '../types.js';
import {
  assertId,
  assertMeta,
  assertRotateArguments,
  assertTime,
  assertUserKey,
  validateSession,
} from '../validate.js';
import type { SqliteDatabase } from './database.js';
import { sessionFromRow, sessionToRow, type SessionRow } from './rows.js';

/** Rows whose `expires_at` the wall clock has reached are gone, whether or not the purge ran yet. */
export class SqliteSessionStore implements SessionStore {
  private readonly sql;

  constructor(
    private readonly database: SqliteDatabase,
    private readonly clock: Clock,
  ) {
    const db = database.db;
    this.sql = {
      session: db.prepare<[string, number], SessionRow>('SELECT * FROM sessions WHERE id = ? AND expires_at > ?'),
      dropExpiredSession: db.prepare<[string, number]>('DELETE FROM sessions WHERE id = ? AND expires_at <= ?'),
      insertSession: db.prepare<[SessionRow]>(
        `INSERT INTO sessions (id, user_key, created_at, last_used_at, expires_at, revoked_at, user_agent, client_ip, permissions)
         VALUES (@id, @user_key, @created_at, @last_used_at, @expires_at, @revoked_at, @user_agent, @client_ip, @permissions)`,
      ),
      token: db.prepare<[string], { sessionId: string; state: 'active' | 'used'; expiresAt: number }>(
        'SELECT session_id AS sessionId, state, expires_at AS expiresAt FROM refresh_tokens WHERE hash = ?',
      ),
      insertToken: db.prepare<[string, string, number]>(
        "INSERT INTO refresh_tokens (hash, session_id, state, expires_at) VALUES (?, ?, 'active', ?)",
      ),
      markTokenUsed: db.prepare<[string]>("UPDATE refresh_tokens SET state = 'used' WHERE hash = ?"),
      markSessionUsed: db.prepare<[number, string]>('UPDATE sessions SET last_used_at = ? WHERE id = ?'),
      touch: db.prepare<[number, string | null, string | null, string, number]>(
        `UPDATE sessions SET last_used_at = ?, user_agent = COALESCE(?, user_agent), client_ip = COALESCE(?, client_ip)
         WHERE id = ? AND revoked_at IS NULL AND expires_at > ?`,
      ),
      liveOfUser: db.prepare<[string, number], SessionRow>(
        'SELECT * FROM sessions WHERE user_key = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY created_at, id',
      ),
      revoke: db.prepare<[number, string, number]>(
        'UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL AND expires_at > ?',
      ),
      revokeUser: db.prepare<[number, string, number]>(
        'UPDATE sessions SET revoked_at = ? WHERE user_key = ? AND revoked_at IS NULL AND expires_at > ?',
      ),
      byRefreshHash: db.prepare<[string, number], SessionRow>(
        'SELECT s.* FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id WHERE t.hash = ? AND s.expires_at > ?',
      ),
    };
  }

  async createSession(session: SessionRecord, refreshTokenHash: string, refreshExpiresAt: number): Promise<void> {
    const record = validateSession(session);
    assertId(refreshTokenHash, 'refreshTokenHash');
    assertTime(refreshExpiresAt, 'refreshExpiresAt');
    this.database.write('createSession', () => {
      const now = this.clock();
      this.sql.dropExpiredSession.run(record.id, now);
      if (this.sql.session.get(record.id, now)) throw new StoreConflict(`session ${record.id} already exists`);
      if (this.sql.token.get(refreshTokenHash)) throw new StoreConflict('refresh token hash already exists');
      this.sql.insertSession.run(sessionToRow(record));
      this.sql.insertToken.run(refreshTokenHash, record.id, refreshExpiresAt);
    });
  }

  async rotateRefreshToken(
    oldHash: string,
    newHash: string,
    now: number,
    newExpiresAt?: number,
    meta?: SessionMeta,
  ): Promise<RotateResult> {
    assertRotateArguments(oldHash, newHash, now, newExpiresAt, meta);
    return this.database.write('rotateRefreshToken', (): RotateResult => {
      const wall = this.clock();
      const token: RefreshTokenRow | undefined = this.sql.token.get(oldHash);
      const row = token && this.sql.session.get(token.sessionId, wall);
      if (!token || !row) return { outcome: 'unknown' };
      const session = sessionFromRow(row);
      const outcome = rotationOutcome(token, session, now);
      if (outcome === 'reused') {
        this.sql.revoke.run(now, session.id, wall);
        session.revokedAt = now;
      }
      if (outcome === 'rotated') {
        if (this.sql.token.get(newHash)) throw new StoreConflict('refresh token hash already exists');
        this.sql.markTokenUsed.run(oldHash);
        this.sql.insertToken.run(newHash, session.id, newExpiresAt ?? token.expiresAt);
        this.sql.markSessionUsed.run(now, session.id);
        if (meta)
          this.sql.touch.run(now, meta.userAgent ?? null, meta.clientIp ?? null, session.id, Math.max(now, wall));
        session.lastUsedAt = now;
        if (meta?.userAgent !== undefined) session.userAgent = meta.userAgent;
        if (meta?.clientIp !== undefined) session.clientIp = meta.clientIp;
      }
      return { outcome, session };
    });
  }

  async touchSession(id: string, now: number, meta?: SessionMeta): Promise<boolean> {
    assertId(id, 'session id');
    assertTime(now, 'now');
    assertMeta(meta);
    const liveAfter = Math.max(now, this.clock());
    const result = this.database.run('touchSession', () =>
      this.sql.touch.run(now, meta?.userAgent ?? null, meta?.clientIp ?? null, id, liveAfter),
    );
    return result.changes === 1;
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    assertId(id, 'session id');
    const row = this.database.run('getSession', () => this.sql.session.get(id, this.clock()));
    return row && sessionFromRow(row);
  }

  async listSessions(userKey: string): Promise<SessionRecord[]> {
    assertUserKey(userKey);
    return this.database.run('listSessions', () => this.sql.liveOfUser.all(userKey, this.clock())).map(sessionFromRow);
  }

  async revokeSession(id: string, now: number): Promise<boolean> {
    assertId(id, 'session id');
    assertTime(now, 'now');
    return this.database.run('revokeSession', () => this.sql.revoke.run(now, id, this.clock())).changes === 1;
  }

  async revokeUserSessions(userKey: string, now: number): Promise<number> {
    assertUserKey(userKey);
    assertTime(now, 'now');
    return this.database.run('revokeUserSessions', () => this.sql.revokeUser.run(now, userKey, this.clock())).changes;
  }

  async findSessionByRefreshHash(hash: string): Promise<SessionRecord | undefined> {
    assertId(hash, 'refresh token hash');
    const row = this.database.run('findSessionByRefreshHash', () => this.sql.byRefreshHash.get(hash, this.clock()));
    return row && sessionFromRow(row);
  }
}
