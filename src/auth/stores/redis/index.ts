/**
 * The store for several replicas: the same data as the SQLite store, in Redis with TTLs, plus
 * pub/sub so that every replica hears every revocation and login change at once.
 */
import { systemClock, type Clock } from '../../../keys/clock.js';
import { Redis } from 'ioredis';
import { InvalidArgument, StoreUnavailable } from '../../../errors.js';
import type { Stores } from '../types.js';
import { RedisAvailability } from './availability.js';
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

export async function createRedisStores(options: RedisStoresOptions, clock: Clock = systemClock): Promise<Stores> {
  assertRedisUrl(options.url);
  const prefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX;
  if (typeof prefix !== 'string' || !/^[\x21-\x7e]{0,100}$/.test(prefix)) {
    throw new InvalidArgument('Redis keyPrefix must be at most 100 visible ASCII characters');
  }
  const keys = new RedisKeys(prefix);
  const redis = new Redis(options.url, CONNECTION_OPTIONS);
  // Pub/sub needs a connection of its own; events.ts resubscribes it after a reconnect.
  const subscriber = redis.duplicate({ autoResubscribe: false });
  const availability = new RedisAvailability([redis, subscriber]);

  let events: RedisEvents;
  try {
    // Calls are not queued while disconnected (CONNECTION_OPTIONS): wait until both connections are up.
    await Promise.all([whenReady(redis), whenReady(subscriber)]);
    events = await RedisEvents.start(subscriber, keys);
  } catch (error) {
    redis.disconnect();
    subscriber.disconnect();
    // Start-up is the operator's moment: say why (e.g. ECONNREFUSED), never the URL (it may hold a password).
    if (toStoreError(error) instanceof StoreUnavailable) {
      throw new StoreUnavailable(`Redis store: cannot connect (${availability.error ?? (error as Error).message})`, {
        cause: error,
      });
    }
    throw toStoreError(error);
  }

  return {
    sessions: new RedisSessionStore(redis, keys, availability, clock),
    revocations: new RedisRevocationStore(redis, keys, events, availability, clock),
    logins: new RedisLoginStore(redis, keys, events, availability, clock),
    users: new RedisUserStore(redis, keys, availability),
    ping: async () => {
      await guard(availability, () => redis.ping());
      if (!events.connected) throw new StoreUnavailable("the store's notification connection is down");
    },
    watchAvailability: (listener) => availability.changes.add(listener),
    close: async () => {
      availability.close();
      // quit() lets replies in flight arrive; a connection that is already down is just dropped.
      await Promise.all([redis, subscriber].map((client) => client.quit().catch(() => client.disconnect())));
    },
  };
}

/** Resolves when the connection is ready for commands; rejects with the first connection error. */
function whenReady(client: Redis): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const settle = (error?: unknown) => {
      client.off('ready', onReady);
      client.off('error', onError);
      client.off('end', onEnd);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onReady = () => settle();
    const onError = (error: unknown) => settle(error);
    const onEnd = () => settle(new Error('connection ended'));
    client.once('ready', onReady);
    client.once('error', onError);
    client.once('end', onEnd);
  });
}
