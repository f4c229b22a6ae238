/**
 * The store for several replicas: the same data as the SQLite store, in Redis with TTLs, plus
 * pub/sub so that every replica hears every revocation and login change at once.
 */
import { Redis } from 'ioredis';
import { InvalidArgument, StoreUnavailable } from '../../../errors.js';
import type { Stores } from '../types.js';
import { assertRedisUrl, CONNECTION_OPTIONS, guard, toStoreError } from './connection.js';
import { RedisEvents } from './events.js';
import { RedisKeys } from './keys.js';
import { RedisLoginStore } from './logins.js';
import { RedisRevocationStore } from './revocations.js';
import { RedisSessionStore } from './sessions.js';
import { RedisUserStore } from './users.js';

export const DEFAULT_KEY_PREFIX = 'portal-gateway:';

export interface RedisStoresOptions {
  url: string;
  /** Prepended to every key and channel; gateways with different prefixes do not see each other. */
  keyPrefix?: string;
}

export async function createRedisStores(options: RedisStoresOptions): Promise<Stores> {
  assertRedisUrl(options.url);
  const prefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  if (typeof prefix !== 'string' || !/^[\x21-\x7e]{0,100}$/.test(prefix)) {
    throw new InvalidArgument('Redis keyPrefix must be at most 100 visible ASCII characters');
  }
  const keys = new RedisKeys(prefix);
  const redis = new Redis(options.url, CONNECTION_OPTIONS);
  // Pub/sub needs a connection of its own; events.ts resubscribes it after a reconnect.
  const subscriber = redis.duplicate({ autoResubscribe: false });
  // Failures surface through rejected commands and ping(); without a listener ioredis would print them.
  let lastError: unknown;
  for (const client of [redis, subscriber]) client.on('error', (error: unknown) => (lastError = error));
  const disconnect = () => {
    redis.disconnect();
    subscriber.disconnect();
  };

  let events: RedisEvents;
  try {
    await redis.ping();
    events = await RedisEvents.start(subscriber, keys);
  } catch (error) {
    disconnect();
    // The connection error (e.g. ECONNREFUSED) says more than "max retries reached".
    throw toStoreError(lastError ?? error, 'connecting');
  }

  return {
    sessions: new RedisSessionStore(redis, keys),
    revocations: new RedisRevocationStore(redis, keys, events),
    logins: new RedisLoginStore(redis, keys, events),
    users: new RedisUserStore(redis, keys),
    ping: async () => {
      await guard('ping', () => redis.ping());
      if (!events.connected) throw new StoreUnavailable('Redis store: the pub/sub connection is down');
    },
    close: async () => {
      // quit() lets replies in flight arrive; a connection that is already down is just dropped.
      await Promise.all([redis, subscriber].map((client) => client.quit().catch(() => client.disconnect())));
    },
  };
}
