import type { Redis } from 'ioredis';
import type { UserStore } from '../types.js';
import { assertTime, assertUserKey } from '../validate.js';
import { guard } from './connection.js';
import type { RedisKeys } from './keys.js';

export class RedisUserStore implements UserStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async recordLogin(userKey: string, now: number): Promise<void> {
    assertUserKey(userKey);
    assertTime(now, 'now');
    await guard('recordLogin', () => this.redis.hset(this.keys.users, userKey, now));
  }

  async isKnownUser(userKey: string): Promise<boolean> {
    assertUserKey(userKey);
    return (await guard('isKnownUser', () => this.redis.hexists(this.keys.users, userKey))) === 1;
  }
}
