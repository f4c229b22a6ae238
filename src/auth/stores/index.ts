/** Opens the configured state stores; the rest of the gateway sees only the interfaces in types.ts. */
import { InvalidArgument } from '../../errors.js';
import { createMemoryStores } from './memory/index.js';
import { createRedisStores } from './redis/index.js';
import { createSqliteStores } from './sqlite/index.js';
import type { Stores, StoresConfig } from './types.js';

export async function createStores(config: StoresConfig): Promise<Stores> {
  switch (config?.kind) {
    case 'memory':
      return createMemoryStores();
    case 'sqlite':
      if (typeof config.path !== 'string' || config.path === '') throw new InvalidArgument('SQLite store path must be a non-empty string');
      return createSqliteStores(config.path);
    case 'redis':
      return createRedisStores({ url: config.url, ...(config.keyPrefix === undefined ? {} : { keyPrefix: config.keyPrefix }) });
    default:
      throw new InvalidArgument('store kind must be memory, sqlite or redis');
  }
}

export type * from './types.js';
export { LOGIN_STATUSES } from './types.js';
export { DEFAULT_KEY_PREFIX } from './redis/index.js';
