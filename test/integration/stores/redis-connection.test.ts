import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createRedisStores } from '../../../src/auth/stores/redis/index.js';
import type { RevocationEvent, StoreAvailability, Stores } from '../../../src/auth/stores/types.js';
import { InvalidArgument, StoreUnavailable } from '../../../src/errors.js';
import { describeWithRedis } from '../../support/describe-with-redis.js';
import { startRedisServer, type RedisServer } from '../../support/redis-server.js';
import { newSession, nextValue, nowSec, randomHex } from '../../auth/stores/contract/harness.js';

describeWithRedis('Redis store connection', () => {
  let server: RedisServer;
  let admin: Redis;
  const opened: Stores[] = [];
  const open = async (keyPrefix = `t-${randomBytes(6).toString('hex')}:`, url = server.url) => {
    const stores = await createRedisStores({ url, keyPrefix });
    opened.push(stores);
    return stores;
  };

  beforeAll(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url);
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((stores) => stores.close()));
  });
  afterAll(async () => {
    await admin?.quit();
    await server?.stop();
  });

  it('keeps every key under the prefix, with TTLs that end with the records', async () => {
    const stores = await open('ttl-check:');
    const session = newSession();
    const hash = randomHex();
    await stores.sessions.createSession(session, hash, session.expiresAt);
    await stores.logins.createLogin({
      id: 'l',
      status: 'pending',
      createdAt: nowSec(),
      expiresAt: nowSec() + 90,
      secretHash: 'h',
    });
    await stores.revocations.revokeJti('j', nowSec() + 60);
    await stores.revocations.setUserNotBefore(session.userKey, 1);
    await stores.users.recordLogin(session.userKey, 1);
    const keys = (await admin.keys('*')).filter((key) => key.startsWith('ttl-check:')).sort();
    expect(keys).toEqual(
      [
        `ttl-check:session:${session.id}`,
        `ttl-check:refresh:${hash}`,
        `ttl-check:user-sessions:${session.userKey}`,
        'ttl-check:login:l',
        'ttl-check:revoked-jtis',
        'ttl-check:not-before',
        'ttl-check:users',
      ].sort(),
    );
    expect(await admin.pexpiretime(`ttl-check:session:${session.id}`)).toBe(session.expiresAt * 1000);
    expect(await admin.pexpiretime(`ttl-check:user-sessions:${session.userKey}`)).toBe(session.expiresAt * 1000);
    for (const key of keys.filter((k) => /:(session|refresh|user-sessions|login):/.test(k))) {
      expect(await admin.pttl(key), key).toBeGreaterThan(0);
    }
  });

  it('keeps gateways with different prefixes apart', async () => {
    const [a, b] = [await open(), await open()];
    const session = newSession();
    await a.sessions.createSession(session, randomHex(), session.expiresAt);
    expect(await b.sessions.getSession(session.id)).toBeUndefined();
    const heardByB: RevocationEvent[] = [];
    b.revocations.subscribe((event) => heardByB.push(event));
    const heardByA = nextValue<RevocationEvent>(
      (l) => a.revocations.subscribe(l),
      (e) => e.kind === 'jti',
    );
    await a.revocations.revokeJti('only-a', nowSec() + 60);
    await heardByA;
    expect(heardByB).toEqual([]);
  });

  it('announces a resync after its pub/sub connection was cut, and keeps delivering', async () => {
    const stores = await open('resync:');
    const resync = nextValue<RevocationEvent>(
      (l) => stores.revocations.subscribe(l),
      (e) => e.kind === 'resync',
      5000,
    );
    await admin.client('KILL', 'TYPE', 'PUBSUB');
    await resync;
    const other = await open('resync:');
    const heard = nextValue<RevocationEvent>(
      (l) => stores.revocations.subscribe(l),
      (e) => e.kind === 'jti',
      1000,
    );
    await other.revocations.revokeJti('after-reconnect', nowSec() + 60);
    expect(await heard).toMatchObject({ jti: 'after-reconnect' });
    await expect(stores.ping()).resolves.toBeUndefined();
  });

  it('fails with StoreUnavailable, without echoing the URL, when Redis cannot be reached', async () => {
    const down = await startRedisServer();
    await down.stop();
    const url = `redis://:hunter2-secret@127.0.0.1:${down.port}`;
    const error = await createRedisStores({ url }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailable);
    expect((error as Error).message).toContain('ECONNREFUSED');
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('reports StoreUnavailable from calls and ping once the server is gone', async () => {
    const doomed = await startRedisServer();
    const stores = await open('doomed:', doomed.url);
    await stores.users.recordLogin(randomHex(), 1);
    await doomed.stop();
    await expect(stores.users.isKnownUser(randomHex())).rejects.toBeInstanceOf(StoreUnavailable);
    await expect(stores.ping()).rejects.toBeInstanceOf(StoreUnavailable);
  });

  it('fails calls at once while Redis is down, names no library internals, and announces the outage and the recovery', async () => {
    const flaky = await startRedisServer();
    try {
      const stores = await open('flaky:', flaky.url);
      const changes: StoreAvailability[] = [];
      stores.watchAvailability!((change) => changes.push(change));
      const user = randomHex();
      await stores.users.recordLogin(user, 1);
      await flaky.kill();
      await expect.poll(() => changes.length).toBe(1);
      expect(changes[0]).toMatchObject({ available: false, reason: expect.any(String) });
      for (const call of [
        () => stores.users.isKnownUser(user),
        () => stores.sessions.getSession('s'),
        () => stores.ping(),
      ]) {
        const started = performance.now();
        const error = await call().catch((e: unknown) => e);
        expect(performance.now() - started).toBeLessThan(200);
        expect(error).toBeInstanceOf(StoreUnavailable);
        expect((error as Error).message).not.toMatch(/redis|stream|queue|retr|ECONN/i);
      }
      await flaky.restart();
      await expect.poll(() => changes.length, { timeout: 5000 }).toBe(2);
      expect(changes[1]).toEqual({ available: true });
      await stores.users.recordLogin(user, 2);
      expect(await stores.users.isKnownUser(user)).toBe(true);
      await expect(stores.ping()).resolves.toBeUndefined();
    } finally {
      await flaky.stop();
    }
  });

  it('rejects a malformed URL or key prefix with InvalidArgument', async () => {
    await expect(createRedisStores({ url: 'http://127.0.0.1:6379' })).rejects.toBeInstanceOf(InvalidArgument);
    await expect(createRedisStores({ url: server.url, keyPrefix: 'has space' })).rejects.toBeInstanceOf(
      InvalidArgument,
    );
  });
});
