/**
 * Everything behind sign-in, wired from the validated configuration: stores, the in-memory revocation
 * list, the relay pool and Portal authenticator, and the token and login services. HTTP-free.
 */
import type { GatewayConfig } from '../config/types.js';
import type { ServiceKey } from '../config/service-key.js';
import { RelaysUnavailable } from '../errors.js';
import type { EmitEvent } from '../events.js';
import { nowSeconds, systemClock, type Clock } from '../keys/clock.js';
import type { ServiceIdentity } from '../jwt/service-identity.js';
import { PortalConversation } from '../nostr/portal-conversation.js';
import { RelayPool } from '../nostr/relay-pool.js';
import { LoginService } from './login-service.js';
import { RevocationList } from './revocation-list.js';
import { createStores } from './stores/index.js';
import type { Stores } from './stores/types.js';
import { SessionService } from './session-service.js';

export interface AuthServices {
  stores: Stores;
  revocations: RevocationList;
  pool: RelayPool;
  authenticator: PortalConversation;
  tokens: SessionService;
  logins: LoginService;
  /** Throws RelaysUnavailable unless at least one relay is connected. */
  assertRelaysUp(): void;
  /** False from the moment the store stops answering until it answers again. */
  storeAvailable(): boolean;
  /** The gateway's clock (GatewayOptions.clock). */
  readonly clock: Clock;
  close(): Promise<void>;
}

export async function createAuthServices(
  config: GatewayConfig,
  /** Built once by createGateway: the service key, and the identity derived from it. */
  service: { key: ServiceKey; identity: ServiceIdentity },
  onError: (error: unknown) => void,
  emit: EmitEvent,
  /** The gateway's clock (GatewayOptions.clock). */
  clock: Clock = systemClock,
): Promise<AuthServices> {
  const now = () => nowSeconds(clock);
  const stores = await createStores(config.store, clock);
  let storeUp = true;
  stores.watchAvailability?.((change) => {
    storeUp = change.available;
    if (change.available) emit('store_recovered', { store: config.store.kind });
    else emit('store_unavailable', { store: config.store.kind, reason: change.reason }, 'error');
  });
  const revocations = new RevocationList(stores.revocations, {
    clockToleranceSec: config.tokens.clockToleranceSec,
    now,
  });
  try {
    await revocations.start();
  } catch (error) {
    await stores.close();
    throw error;
  }
  const pool = new RelayPool({
    relays: config.relays,
    onLifecycle: ({ kind, url, attempt, reason }) =>
      emit(`relay_${kind}`, { url, attempt, ...(reason ? { reason } : {}) }, kind === 'disconnected' ? 'warn' : 'info'),
  });
  const authenticator = new PortalConversation({
    pool,
    service: { secretKey: service.key.secretKey, publicKey: service.identity.publicKey },
    // The pool is the one relay list: relays added or removed at run time show up in new URLs.
    relays: () => pool.relays,
    loginTimeoutMs: config.login.timeoutSec * 1000,
    requiredPermissions: config.login.requestPermissions,
    clock,
  });
  const tokens = new SessionService({
    issuer: service.identity.issuer,
    sessions: stores.sessions,
    accessTtlSec: config.tokens.accessTtlSec,
    refreshTtlSec: config.tokens.refreshTtlSec,
    revocations,
    emit,
    now,
  });
  const logins = new LoginService({
    authenticator,
    logins: stores.logins,
    users: stores.users,
    tokens,
    loginTtlSec: config.login.timeoutSec,
    grantablePermissions: config.login.requestPermissions,
    onError,
    emit,
    now,
  });
  return {
    clock,
    stores,
    revocations,
    pool,
    authenticator,
    tokens,
    logins,
    storeAvailable: () => storeUp,
    assertRelaysUp() {
      if (!pool.status().some((relay) => relay.state === 'open'))
        throw new RelaysUnavailable(pool.status().map((r) => r.url));
    },
    async close() {
      authenticator.close();
      pool.close();
      revocations.stop();
      // Let the cancelled logins record their outcome before the store goes away.
      await new Promise((resolve) => setImmediate(resolve));
      await stores.close();
    },
  };
}
