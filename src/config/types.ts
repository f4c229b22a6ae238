/** The validated gateway configuration. Every field is filled in (defaults applied). */

export type AuthPolicy = 'public' | 'optional' | 'required';

export interface RouteConfig {
  /** Path prefix, starting with `/`; longest prefix wins. */
  prefix: string;
  /** Upstream base URL (http or https); absent for a route that exists only for forward-auth. */
  upstream?: string;
  auth: AuthPolicy;
  /** Permissions the token must grant (all of them); implies `required`. */
  permissions: string[];
  /** Replaces `prefix` in the forwarded path; default: the prefix itself (path forwarded unchanged). */
  rewritePrefix: string;
  /** Upstream response timeout. */
  timeoutMs: number;
  /** Proxy WebSocket upgrades (authenticated at the handshake). */
  websocket: boolean;
  /** Forward the caller's token to the upstream (default: stripped). */
  passToken: boolean;
  /** Browsers without a session are redirected to the sign-in page instead of getting a 401. */
  loginRedirect: boolean;
  /** `aud` of the identity assertions for this route; default the upstream's origin. */
  assertion: { audience?: string };
}

/** A policy as forward-auth applies it: the same three settings a route has. */
export interface PolicyConfig {
  auth: AuthPolicy;
  permissions: string[];
  loginRedirect: boolean;
}

export interface ForwardAuthConfig {
  /** Header carrying the original request's URI (path and query), set by the proxy asking. */
  uriHeader: string;
  /** Header carrying the original request's method. */
  methodHeader: string;
  /** Policy for `/auth/verify` when no route matches the original URI. */
  defaultPolicy: PolicyConfig;
  /** Fixed policies for `/auth/verify/<name>`. */
  policies: Record<string, PolicyConfig>;
  /** 0: answers are `no-store`; else allowing answers may be cached this long (at most). */
  cacheSec: number;
}

export type AssertionAlg = 'ES256' | 'ES256K';

export interface AssertionConfig {
  /** Sign `x-portal-assertion` for upstreams. */
  enabled: boolean;
  alg: AssertionAlg;
  /** Lifetime of one assertion. */
  ttlSec: number;
  /** File holding the signing key (PEM or JWK); default a key generated once in `dataDir`. */
  keyFile?: string;
}

export interface CookieConfig {
  /** Name of the cookie carrying the access token. */
  name: string;
  /** `Secure` attribute; switch off only for local plain-http development. */
  secure: boolean;
  sameSite: 'lax' | 'strict' | 'none';
  domain?: string;
}

export interface CorsConfig {
  /** Allowed origins (exact), or `["*"]`. Empty: CORS disabled. */
  origins: string[];
  credentials: boolean;
}

export interface TokenConfig {
  accessTtlSec: number;
  refreshTtlSec: number;
  clockToleranceSec: number;
  /** Verified tokens kept in memory; 0 disables the cache. */
  verifyCacheSize: number;
  /** Worker threads that verify signatures of tokens not in the cache; 0 verifies on the event loop. */
  verifyThreads: number;
}

/** Where sessions, revocations and logins live. `sqlite` (default) is a file in `dataDir`. */
export type StoreConfig =
  { kind: 'memory' } | { kind: 'sqlite'; path: string } | { kind: 'redis'; url: string; keyPrefix?: string };

export interface LoginConfig {
  /** How long a wallet has to scan and approve. */
  timeoutSec: number;
  /** Permissions asked of the wallet in AUTH_CHALLENGE; only these can end up in an access token. */
  requestPermissions: string[];
  /** Origins (scheme://host[:port]) the sign-in page may send the browser back to besides local paths. */
  allowedRedirectOrigins: string[];
}

export interface AdminConfig {
  /** Shared secret for `Authorization: Bearer <secret>` on /admin (compared in constant time). */
  secret?: string;
  /** Admin keys (x-only hex) allowed to sign requests (NIP-98 `Authorization: Nostr …`). */
  pubkeys: string[];
}

/** HTTPS served by the gateway itself; SIGHUP reads both files again. */
export interface TlsConfig {
  /** PEM certificate (with its chain). */
  certFile: string;
  /** PEM private key. */
  keyFile: string;
}

export interface RateLimitConfig {
  /** Requests per window per client address (or per user when signed in) on /auth and /admin writes. */
  max: number;
  windowSec: number;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LogConfig {
  /** From `log.level`, else its older alias `logLevel`. */
  level: LogLevel;
  /** `json`: one JSON object per line (production); `pretty`: pino-pretty, for development. */
  format: 'json' | 'pretty';
  /** Also log requests to /healthz, /readyz and /metrics (left out by default: they are probes). */
  probes: boolean;
}

export interface MetricsConfig {
  /** Serve /metrics on a listener of its own, and then not on the main one. */
  listen?: { host: string; port: number };
}

export interface GatewayConfig {
  /** Shown on the sign-in page. */
  serviceName: string;
  listen: { host: string; port: number; tls?: TlsConfig };
  /** Path every endpoint of the gateway itself sits under ('' or e.g. '/.portal'); see src/gateway-endpoints.ts. */
  gatewayPrefix: string;
  /** Service secret key (hex or nsec); when absent one is generated and kept in `dataDir`. */
  serviceKey?: string;
  /** Directory for the generated service key and the embedded store. */
  dataDir: string;
  /** The gateway's public origin (`iss` of identity assertions, sign-in redirects from forward-auth). */
  publicUrl?: string;
  /** Other issuers (x-only hex) whose tokens are accepted besides the service key. */
  trustedIssuers: string[];
  /** Users (x-only hex) whose wallet-issued tokens are accepted without a prior login. */
  walletUsers: string[];
  routes: RouteConfig[];
  cookie: CookieConfig;
  cors: CorsConfig;
  tokens: TokenConfig;
  limits: {
    maxBodyBytes: number;
    /** A client must send its whole header block within this (408 and closed otherwise). */
    headersTimeoutMs: number;
    /** Idle keep-alive connections are closed after this. */
    keepAliveTimeoutMs: number;
  };
  /** Trust X-Forwarded-* from the client (only behind a trusted load balancer). */
  trustProxy: boolean;
  log: LogConfig;
  metrics: MetricsConfig;
  /** Nostr relays for wallet logins (ws:// or wss://); from `relays`, PORTAL_RELAYS or relays.config.json. */
  relays: string[];
  store: StoreConfig;
  login: LoginConfig;
  admin: AdminConfig;
  rateLimit: RateLimitConfig;
  forwardAuth: ForwardAuthConfig;
  assertion: AssertionConfig;
}
