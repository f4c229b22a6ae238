import { StoreConflict } from '../../../errors.js';
import { compareSessions, isLiveSession, rotationOutcome } from '../rules.js';
import type { RotateResult, SessionMeta, SessionRecord, SessionStore } from '../types.js';
import {
  assertId,
  assertMeta,
  assertRotateArguments,
  assertTime,
  assertUserKey,
  validateSession,
} from '../validate.js';
import { copySession, type MemoryBackend } from './backend.js';

export class MemorySessionStore implements SessionStore {
  constructor(private readonly data: MemoryBackend) {}

  async createSession(session: SessionRecord, refreshTokenHash: string, refreshExpiresAt: number): Promise<void> {
    const record = validateSession(session);
    assertId(refreshTokenHash, 'refreshTokenHash');
    assertTime(refreshExpiresAt, 'refreshExpiresAt');
    if (this.data.session(record.id)) throw new StoreConflict(`session ${record.id} already exists`);
    if (this.data.refreshTokens.has(refreshTokenHash)) throw new StoreConflict('refresh token hash already exists');
    this.data.sessions.set(record.id, record);
    this.data.refreshTokens.set(refreshTokenHash, {
      sessionId: record.id,
      state: 'active',
      expiresAt: refreshExpiresAt,
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
    const token = this.data.refreshTokens.get(oldHash);
    const session = token && this.data.session(token.sessionId);
    if (!token || !session) return { outcome: 'unknown' };
    const outcome = rotationOutcome(token, session, now);
    if (outcome === 'reused') session.revokedAt = now;
    if (outcome === 'rotated') {
      if (this.data.refreshTokens.has(newHash)) throw new StoreConflict('refresh token hash already exists');
      token.state = 'used';
      this.data.refreshTokens.set(newHash, {
        sessionId: session.id,
        state: 'active',
        expiresAt: newExpiresAt ?? token.expiresAt,
      });
      session.lastUsedAt = now;
      if (meta?.userAgent !== undefined) session.userAgent = meta.userAgent;
      if (meta?.clientIp !== undefined) session.clientIp = meta.clientIp;
    }
    return { outcome, session: copySession(session) };
  }

  async touchSession(id: string, now: number, meta?: SessionMeta): Promise<boolean> {
    assertId(id, 'session id');
    assertTime(now, 'now');
    assertMeta(meta);
    const session = this.data.session(id);
    if (!session || !isLiveSession(session, now)) return false;
    session.lastUsedAt = now;
    if (meta?.userAgent !== undefined) session.userAgent = meta.userAgent;
    if (meta?.clientIp !== undefined) session.clientIp = meta.clientIp;
    return true;
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    assertId(id, 'session id');
    const session = this.data.session(id);
    return session && copySession(session);
  }

  async listSessions(userKey: string): Promise<SessionRecord[]> {
    assertUserKey(userKey);
    return this.sessionsOf(userKey)
      .filter((session) => session.revokedAt === undefined)
      .sort(compareSessions)
      .map(copySession);
  }

  async revokeSession(id: string, now: number): Promise<boolean> {
    assertId(id, 'session id');
    assertTime(now, 'now');
    const session = this.data.session(id);
    if (!session || session.revokedAt !== undefined) return false;
    session.revokedAt = now;
    return true;
  }

  async revokeUserSessions(userKey: string, now: number): Promise<number> {
    assertUserKey(userKey);
    assertTime(now, 'now');
    let count = 0;
    for (const session of this.sessionsOf(userKey)) {
      if (session.revokedAt !== undefined) continue;
      session.revokedAt = now;
      count += 1;
    }
    return count;
  }

  async findSessionByRefreshHash(hash: string): Promise<SessionRecord | undefined> {
    assertId(hash, 'refresh token hash');
    const token = this.data.refreshTokens.get(hash);
    const session = token && this.data.session(token.sessionId);
    return session && copySession(session);
  }

  /** The user's stored (unexpired) sessions, revoked ones included. */
  private sessionsOf(userKey: string): SessionRecord[] {
    return [...this.data.sessions.keys()]
      .map((id) => this.data.session(id))
      .filter((session): session is SessionRecord => session !== undefined && session.userKey === userKey);
  }
}
