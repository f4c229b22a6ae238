import type { Redis } from 'ioredis';
import type { Clock } from '../../../keys/clock.js';
import { compareSessions, isLiveSession } from '../rules.js';
import type { RotateOutcome, RotateResult, SessionMeta, SessionRecord, SessionStore } from '../types.js';
import {
  assertId,
  assertMeta,
  assertRotateArguments,
  assertTime,
  assertUserKey,
  validateSession,
} from '../validate.js';
import { fromPairs, sessionFromFields, sessionToPairs, toPairs } from './codec.js';
import { expiresAtMs, guard, LuaScript, type CallObserver } from './connection.js';
import type { RedisKeys } from './keys.js';
import {
  CREATE_SESSION,
  REVOKE_SESSION,
  REVOKE_USER_SESSIONS,
  ROTATE_REFRESH_TOKEN,
  TOUCH_SESSION,
} from './scripts.js';

const createScript = new LuaScript(CREATE_SESSION);
const rotateScript = new LuaScript(ROTATE_REFRESH_TOKEN);
const touchScript = new LuaScript(TOUCH_SESSION);
const revokeScript = new LuaScript(REVOKE_SESSION);
const revokeUserScript = new LuaScript(REVOKE_USER_SESSIONS);

export class RedisSessionStore implements SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly health: CallObserver,
    private readonly clock: Clock,
  ) {}

  async createSession(session: SessionRecord, refreshTokenHash: string, refreshExpiresAt: number): Promise<void> {
    const record = validateSession(session);
    assertId(refreshTokenHash, 'refreshTokenHash');
    assertTime(refreshExpiresAt, 'refreshExpiresAt');
    const keys = [
      this.keys.session(record.id),
      this.keys.refreshToken(refreshTokenHash),
      this.keys.userSessions(record.userKey),
    ];
    const args = [record.id, expiresAtMs(record.expiresAt), refreshExpiresAt, ...sessionToPairs(record)];
    await guard(this.health, () => createScript.run(this.redis, keys, args));
  }

  async rotateRefreshToken(
    oldHash: string,
    newHash: string,
    now: number,
    newExpiresAt?: number,
    meta: SessionMeta = {},
  ): Promise<RotateResult> {
    assertRotateArguments(oldHash, newHash, now, newExpiresAt, meta);
    const keys = [this.keys.refreshToken(oldHash), this.keys.refreshToken(newHash)];
    // An empty newExpiresAt: the new token keeps the old one's.
    const args = [
      this.keys.sessionPrefix,
      now,
      newExpiresAt ?? '',
      ...toPairs({ userAgent: meta.userAgent, clientIp: meta.clientIp }),
    ];
    const reply = await guard(this.health, () => rotateScript.run(this.redis, keys, args));
    const [outcome, sessionId, pairs] = reply as [RotateOutcome, string?, unknown?];
    const session =
      outcome === 'unknown' || sessionId === undefined ? undefined : sessionFromFields(sessionId, fromPairs(pairs));
    return outcome !== 'unknown' && session ? { outcome, session } : { outcome: 'unknown' };
  }

  async touchSession(id: string, now: number, meta: SessionMeta = {}): Promise<boolean> {
    assertId(id, 'session id');
    assertTime(now, 'now');
    assertMeta(meta);
    const args = [now, ...toPairs({ userAgent: meta.userAgent, clientIp: meta.clientIp })];
    return (await guard(this.health, () => touchScript.run(this.redis, [this.keys.session(id)], args))) === 1;
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    assertId(id, 'session id');
    return this.read(id);
  }

  async listSessions(userKey: string): Promise<SessionRecord[]> {
    assertUserKey(userKey);
    const setKey = this.keys.userSessions(userKey);
    return guard(this.health, async () => {
      const ids = await this.redis.smembers(setKey);
      const pipeline = this.redis.pipeline();
      for (const id of ids) pipeline.hgetall(this.keys.session(id));
      const replies = (await pipeline.exec()) ?? [];
      const sessions: SessionRecord[] = [];
      const gone: string[] = [];
      ids.forEach((id, i) => {
        const [error, fields] = replies[i] ?? [];
        if (error) throw error;
        const session = sessionFromFields(id, fields as Record<string, string>);
        if (!session) gone.push(id);
        else if (isLiveSession(session, this.clock())) sessions.push(session);
      });
      if (gone.length > 0) await this.redis.srem(setKey, ...gone);
      return sessions.sort(compareSessions);
    });
  }

  async revokeSession(id: string, now: number): Promise<boolean> {
    assertId(id, 'session id');
    assertTime(now, 'now');
    return (await guard(this.health, () => revokeScript.run(this.redis, [this.keys.session(id)], [now]))) === 1;
  }

  async revokeUserSessions(userKey: string, now: number): Promise<number> {
    assertUserKey(userKey);
    assertTime(now, 'now');
    const args = [this.keys.sessionPrefix, now];
    return Number(
      await guard(this.health, () => revokeUserScript.run(this.redis, [this.keys.userSessions(userKey)], args)),
    );
  }

  async findSessionByRefreshHash(hash: string): Promise<SessionRecord | undefined> {
    assertId(hash, 'refresh token hash');
    const id = await guard(this.health, () => this.redis.hget(this.keys.refreshToken(hash), 'sessionId'));
    return id === null ? undefined : this.read(id);
  }

  private async read(id: string): Promise<SessionRecord | undefined> {
    const fields = await guard(this.health, () => this.redis.hgetall(this.keys.session(id)));
    const session = sessionFromFields(id, fields);
    return session && this.clock() < session.expiresAt ? session : undefined;
  }
}
