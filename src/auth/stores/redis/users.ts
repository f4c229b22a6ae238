import type { Redis } from 'ioredis';
import type { UserStore } from '../types.js';
import { assertTime, assertUserKey } from '../validate.js';
import { guard, type CallObserver } from './connection.js';
import type { RedisKeys } from './keys.js';

export class RedisUserStore implements UserStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly health: CallObserver,
  ) {}

  async recordLogin(userKey: string, now: number): Promise<void> {
    assertUserKey(userKey);
    assertTime(now, 'now');
    await guard(this.health, () => this.redis.hset(this.keys.users, userKey, now));
  }

  async isKnownUser(userKey: string): Promise<boolean> {
    assertUserKey(userKey);
    return (await guard(this.health, () => this.redis.hexists(this.keys.users, userKey))) === 1;
  }
}
