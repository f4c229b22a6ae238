/** createStores on a real Redis server (the other kinds: test/auth/stores/index.test.ts). */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createStores } from '../../../src/auth/stores/index.js';
import type { Stores } from '../../../src/auth/stores/types.js';
import { newSession, randomHex } from '../../auth/stores/contract/harness.js';
import { describeWithRedis } from '../../support/describe-with-redis.js';
import { startRedisServer, type RedisServer } from '../../support/redis-server.js';

describeWithRedis('createStores on Redis', () => {
  async function roundTrip(stores: Stores): Promise<void> {
    try {
      await stores.ping();
      const session = newSession();
      await stores.sessions.createSession(session, randomHex(), session.expiresAt);
      expect(await stores.sessions.getSession(session.id)).toEqual(session);
    } finally {
      await stores.close();
    }
  }

  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(() => server?.stop());

  it('opens the Redis store, with or without a key prefix', async () => {
    await roundTrip(await createStores({ kind: 'redis', url: server.url }));
    await roundTrip(await createStores({ kind: 'redis', url: server.url, keyPrefix: 'custom:' }));
  });
});
