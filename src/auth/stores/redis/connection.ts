/**
 * The command connection to Redis: options chosen for a request path (fail fast, never replay a
 * command), Lua script calls, and the mapping of Redis errors to the gateway's typed errors.
 * While Redis is down, a call fails at once with StoreUnavailable instead of waiting: a request that
 * needs the store answers 503 at once, and the connection comes back by itself.
 */
import { createHash } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { InvalidArgument, isGatewayError, StoreConflict, StoreUnavailable } from '../../../errors.js';
import { CONFLICT } from './scripts.js';

/** What a client is told when a call fails: no library internals (the cause stays on the error). */
const STORE_UNAVAILABLE_MESSAGE = 'the session store is unavailable; try again shortly';

/** A server that accepts the connection but does not answer (overloaded, paused) fails a call after this. */
const COMMAND_TIMEOUT_MS = 500;

export const CONNECTION_OPTIONS: RedisOptions = {
  // No queue while disconnected: calls fail at once rather than waiting for a reconnection.
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  commandTimeout: COMMAND_TIMEOUT_MS,
  connectTimeout: 5000,
  // Reconnect for ever, at most a second apart, so service resumes within a second of Redis returning.
  retryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
  // Replaying a rotation whose reply was lost would report the client's own token as reused.
  autoResendUnfulfilledCommands: false,
};

/** Redis URLs may carry a password: check the scheme only and never repeat the URL in a message. */
export function assertRedisUrl(url: unknown): asserts url is string {
  if (typeof url !== 'string' || !/^rediss?:\/\/[^\s]+$/.test(url)) {
    throw new InvalidArgument('Redis url must be a redis:// or rediss:// URL');
  }
}

export function toStoreError(error: unknown): unknown {
  if (isGatewayError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (message.startsWith(`${CONFLICT} `)) return new StoreConflict(message.slice(CONFLICT.length + 1));
  return new StoreUnavailable(STORE_UNAVAILABLE_MESSAGE, { cause: error });
}

/** Told of every call's fate, so that an outage (and its end) is noticed even while the socket stays open. */
export interface CallObserver {
  succeeded(): void;
  failed(error: unknown): void;
}

/** Runs Redis calls with their errors mapped to StoreConflict / StoreUnavailable. */
export async function guard<T>(observer: CallObserver, fn: () => Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await fn();
  } catch (error) {
    const mapped = toStoreError(error);
    if (mapped instanceof StoreUnavailable) observer.failed(error);
    throw mapped;
  }
  observer.succeeded();
  return result;
}

/** A Lua script sent by SHA1 once Redis has cached it, so its text crosses the wire once. */
export class LuaScript {
  private readonly sha1: string;

  constructor(private readonly source: string) {
    this.sha1 = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha1, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

/** Seconds to the milliseconds PEXPIREAT wants, so keys vanish at `expiresAt` exactly. */
export function expiresAtMs(expiresAt: number): number {
  return expiresAt * 1000;
}
