/**
 * The command connection to Redis: options chosen for a request path (fail fast, never replay a
 * command), Lua script calls, and the mapping of Redis errors to the gateway's typed errors.
 */
import { createHash } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { InvalidArgument, isGatewayError, StoreConflict, StoreUnavailable } from '../../../errors.js';
import { CONFLICT } from './scripts.js';

export const CONNECTION_OPTIONS: RedisOptions = {
  // A request waits for at most two reconnection attempts, then fails with StoreUnavailable.
  maxRetriesPerRequest: 2,
  connectTimeout: 5000,
  // Replaying a rotation whose reply was lost would report the client's own token as reused.
  autoResendUnfulfilledCommands: false,
};

/** Redis URLs may carry a password: check the scheme only and never repeat the URL in a message. */
export function assertRedisUrl(url: unknown): asserts url is string {
  if (typeof url !== 'string' || !/^rediss?:\/\/[^\s]+$/.test(url)) {
    throw new InvalidArgument('Redis url must be a redis:// or rediss:// URL');
  }
}

export function toStoreError(error: unknown, what: string): unknown {
  if (isGatewayError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (message.startsWith(`${CONFLICT} `)) return new StoreConflict(message.slice(CONFLICT.length + 1));
  return new StoreUnavailable(`Redis store: ${what} failed: ${message}`, { cause: error });
}

/** Runs Redis calls with their errors mapped to StoreConflict / StoreUnavailable. */
export async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toStoreError(error, what);
  }
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
