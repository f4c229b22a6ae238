import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { createRedisStores } from '../../../src/auth/stores/redis/index.js';
import { describeWithRedis } from '../../support/describe-with-redis.js';
import { startRedisServer, type RedisServer } from '../../support/redis-server.js';
import { describeStoreContract } from '../../auth/stores/contract/index.js';

describeWithRedis('Redis stores', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  // One server; every test gets its own key prefix, which is also what keeps gateways apart.
  describeStoreContract(async () => {
    const keyPrefix = `test-${randomBytes(6).toString('hex')}:`;
    return {
      open: () => createRedisStores({ url: server.url, keyPrefix }),
      dispose: async () => {
        const admin = new Redis(server.url);
        const keys = await admin.keys(`${keyPrefix}*`);
        if (keys.length > 0) await admin.del(...keys);
        await admin.quit();
      },
    };
  });
});
