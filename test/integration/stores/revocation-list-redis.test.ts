/** The revocation list on a real Redis server: replicas reach each other (the rest: test/auth/revocation-list.test.ts). */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { RevocationList } from '../../../src/auth/revocation-list.js';
import { createRedisStores } from '../../../src/auth/stores/redis/index.js';
import type { Stores } from '../../../src/auth/stores/types.js';
import { waitFor } from '../../support/relay-wait.js';
import { describeWithRedis } from '../../support/describe-with-redis.js';
import { startRedisServer, type RedisServer } from '../../support/redis-server.js';

const alice = 'a'.repeat(64);
const bob = 'b'.repeat(64);
const eventually = (check: () => boolean, timeoutMs: number) => waitFor(check, 'the revocation', timeoutMs);

describeWithRedis('RevocationList on Redis', () => {
  const lists: RevocationList[] = [];
  const started = async (list: RevocationList) => {
    lists.push(list);
    await list.start();
    return list;
  };
  afterEach(() => lists.splice(0).forEach((list) => list.stop()));
  let server: RedisServer;
  const opened: Stores[] = [];
  const open = async (keyPrefix: string) => {
    const stores = await createRedisStores({ url: server.url, keyPrefix });
    opened.push(stores);
    return stores;
  };
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((stores) => stores.close()));
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('reaches the list of another replica within one second', async () => {
    const prefix = `rl-${randomBytes(4).toString('hex')}:`;
    const [a, b] = [
      new RevocationList((await open(prefix)).revocations),
      new RevocationList((await open(prefix)).revocations),
    ];
    await started(a);
    await started(b);
    const now = Math.floor(Date.now() / 1000);
    await a.logoutEverywhere(alice);
    await a.revokeJti('replica-a', now + 60);
    await eventually(
      () =>
        b.isRevoked({ jti: 'replica-a', target_key: bob, iat: now }) && b.isRevoked({ target_key: alice, iat: now }),
      1000,
    );
  });

  it('reloads after its subscription was cut, catching a revocation it was never told about', async () => {
    const prefix = `rl-${randomBytes(4).toString('hex')}:`;
    const list = await started(new RevocationList((await open(prefix)).revocations));
    const admin = new Redis(server.url);
    try {
      // Written without a publish: only the reload after the reconnect can find it.
      await admin.zadd(`${prefix}revoked-jtis`, Math.floor(Date.now() / 1000) + 60, 'missed');
      expect(list.isRevoked({ jti: 'missed', target_key: alice })).toBe(false);
      await admin.client('KILL', 'TYPE', 'PUBSUB');
      await eventually(() => list.isRevoked({ jti: 'missed', target_key: alice }), 5000);
    } finally {
      await admin.quit();
    }
  });
});
