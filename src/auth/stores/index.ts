/** Opens the configured state stores; the rest of the gateway sees only the interfaces in types.ts. */
import { InvalidArgument } from '../../errors.js';
import { systemClock, type Clock } from '../../keys/clock.js';
import { createMemoryStores, MemoryBackend } from './memory/index.js';
import { createRedisStores } from './redis/index.js';
import { createSqliteStores } from './sqlite/index.js';
import type { Stores, StoresConfig } from './types.js';

/** `clock`: the time records expire on (Redis also expires keys on its own clock). */
export async function createStores(config: StoresConfig, clock: Clock = systemClock): Promise<Stores> {
  switch (config?.kind) {
    case 'memory':
      return createMemoryStores(new MemoryBackend(clock));
    case 'sqlite':
      if (typeof config.path !== 'string' || config.path === '')
        throw new InvalidArgument('SQLite store path must be a non-empty string');
      return createSqliteStores(config.path, clock);
    case 'redis':
      return createRedisStores(
        { url: config.url, ...(config.keyPrefix === undefined ? {} : { keyPrefix: config.keyPrefix }) },
        clock,
      );
    default:
      throw new InvalidArgument('store kind must be memory, sqlite or redis');
  }
}

export type * from './types.js';
export { LOGIN_STATUSES } from './types.js';
export { DEFAULT_KEY_PREFIX } from './redis/index.js';
