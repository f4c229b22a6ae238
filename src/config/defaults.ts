/** Default values of the gateway configuration (documented in the README). */
import { availableParallelism } from 'node:os';
import type { GatewayConfig } from './types.js';

export const DEFAULT_CONFIG: Omit<GatewayConfig, 'routes' | 'serviceKey' | 'relays' | 'store' | 'metrics'> = {
  serviceName: 'portal-gateway',
  listen: { host: '127.0.0.1', port: 8080 },
  gatewayPrefix: '',
  dataDir: '.portal-gateway',
  trustedIssuers: [],
  walletUsers: [],
  cookie: { name: 'portal_session', secure: true, sameSite: 'lax' },
  cors: { origins: [], credentials: false },
  tokens: {
    accessTtlSec: 15 * 60,
    refreshTtlSec: 7 * 24 * 3600,
    clockToleranceSec: 60,
    verifyCacheSize: 10_000,
    // One core stays with the event loop; more than four threads gain little for one gateway process.
    verifyThreads: Math.max(0, Math.min(4, availableParallelism() - 1)),
  },
  limits: { maxBodyBytes: 100 * 1024 * 1024, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 5_000 },
  trustProxy: false,
  log: { level: 'info', format: 'json', probes: false },
  login: { timeoutSec: 300, requestPermissions: [], allowedRedirectOrigins: [] },
  admin: { pubkeys: [] },
  rateLimit: { max: 300, windowSec: 60 },
  forwardAuth: {
    uriHeader: 'X-Forwarded-Uri',
    methodHeader: 'X-Forwarded-Method',
    defaultPolicy: { auth: 'required', permissions: [], loginRedirect: false },
    policies: {},
    cacheSec: 0,
  },
  assertion: { enabled: true, alg: 'ES256', ttlSec: 60 },
};

/** The embedded store: an SQLite file in the data directory. */
export const DEFAULT_STORE_FILE = 'gateway.db';

export const DEFAULT_ROUTE_TIMEOUT_MS = 30_000;
