/**
 * A gateway's revocations for an application that embeds portalAuth beside it: open the gateway's store
 * (its SQLite file or its Redis), and every access token ended there (logout, logout everywhere, refresh
 * token reuse, a session ended from the list) is refused by the application too, within a second. The
 * check itself stays in memory, as at the gateway.
 */
import { existsSync } from 'node:fs';
import type { StoreConfig } from '../config/types.js';
import { InvalidArgument, StoreUnavailable } from '../errors.js';
import type { RevocationCheck } from './revocation-list.js';
import { RevocationList, type RevocationListOptions } from './revocation-list.js';
import { createStores } from './stores/index.js';

export interface SharedRevocations extends RevocationCheck {
  /** Stop listening and close the store connection. */
  close(): Promise<void>;
}

/**
 * `store` is the gateway's `store` setting (for its default SQLite store: `{ kind: 'sqlite', path:
 * '<dataDir>/gateway.db' }`). Loads what the store holds and keeps listening; pass the result as
 * `revocations` to a RequestAuthenticator. Rejects with StoreUnavailable when the store cannot be opened
 * (a SQLite file that does not exist included).
 */
export async function openRevocations(
  store: StoreConfig,
  options: Pick<RevocationListOptions, 'clockToleranceSec'> = {},
): Promise<SharedRevocations> {
  // A wrong path must not quietly open a new, empty store that no logout ever reaches.
  if (store?.kind === 'memory')
    throw new InvalidArgument("a memory store is nobody else's: give the gateway's SQLite file or Redis URL");
  if (store?.kind === 'sqlite' && typeof store.path === 'string' && !existsSync(store.path)) {
    throw new StoreUnavailable(
      `no gateway store at ${store.path}: give the path of the gateway's SQLite file (<dataDir>/gateway.db or its store.path)`,
    );
  }
  const stores = await createStores(store);
  const list = new RevocationList(stores.revocations, options);
  try {
    await list.start();
  } catch (error) {
    await stores.close();
    throw error;
  }
  return {
    isRevoked: (claims, userKey) => list.isRevoked(claims, userKey),
    async close() {
      list.stop();
      await stores.close();
    },
  };
}
