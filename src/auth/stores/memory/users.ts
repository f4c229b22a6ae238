import type { UserStore } from '../types.js';
import { assertTime, assertUserKey } from '../validate.js';
import type { MemoryBackend } from './backend.js';

export class MemoryUserStore implements UserStore {
  constructor(private readonly data: MemoryBackend) {}

  async recordLogin(userKey: string, now: number): Promise<void> {
    assertUserKey(userKey);
    assertTime(now, 'now');
    this.data.users.set(userKey, now);
  }

  async isKnownUser(userKey: string): Promise<boolean> {
    assertUserKey(userKey);
    return this.data.users.has(userKey);
  }
}
