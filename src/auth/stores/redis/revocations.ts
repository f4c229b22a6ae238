import type { Redis } from 'ioredis';
import type { Clock } from '../../../keys/clock.js';
import type { RevocationEvent, RevocationSnapshot, RevocationStore } from '../types.js';
import { assertId, assertTime, assertUserKey } from '../validate.js';
import { guard, LuaScript, type CallObserver } from './connection.js';
import type { RedisEvents } from './events.js';
import type { RedisKeys } from './keys.js';
import { RAISE_NOT_BEFORE, REVOKE_JTI } from './scripts.js';

const revokeJtiScript = new LuaScript(REVOKE_JTI);
const raiseNotBeforeScript = new LuaScript(RAISE_NOT_BEFORE);

export class RedisRevocationStore implements RevocationStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly events: RedisEvents,
    private readonly health: CallObserver,
    private readonly clock: Clock,
  ) {}

  async revokeJti(jti: string, expiresAt: number): Promise<void> {
    assertId(jti, 'jti');
    assertTime(expiresAt, 'expiresAt');
    const args = [jti, expiresAt, this.keys.revocationChannel, this.clock()];
    await guard(this.health, () => revokeJtiScript.run(this.redis, [this.keys.revokedJtis], args));
  }

  async setUserNotBefore(userKey: string, notBefore: number): Promise<number> {
    assertUserKey(userKey);
    assertTime(notBefore, 'notBefore');
    const args = [userKey, notBefore, this.keys.revocationChannel];
    return Number(
      await guard(this.health, () => raiseNotBeforeScript.run(this.redis, [this.keys.userNotBefore], args)),
    );
  }

  async loadRevocations(now: number): Promise<RevocationSnapshot> {
    assertTime(now, 'now');
    return guard(this.health, async () => {
      const [jtiReply, notBeforeReply] = await Promise.all([
        this.redis.zrangebyscore(this.keys.revokedJtis, `(${now}`, '+inf', 'WITHSCORES'),
        this.redis.hgetall(this.keys.userNotBefore),
      ]);
      const jtis: RevocationSnapshot['jtis'] = [];
      for (let i = 0; i + 1 < jtiReply.length; i += 2)
        jtis.push({ jti: jtiReply[i]!, expiresAt: Number(jtiReply[i + 1]) });
      const userNotBefore = Object.entries(notBeforeReply).map(([userKey, notBefore]) => ({
        userKey,
        notBefore: Number(notBefore),
      }));
      return { jtis, userNotBefore };
    });
  }

  subscribe(listener: (event: RevocationEvent) => void): () => void {
    return this.events.revocations.add(listener);
  }
}
