/**
 * Builds the gateway's Fastify app from a validated configuration. Never listens by itself: call
 * `listen()` (the CLI does) or use `app.inject()` in tests.
 */
import { systemClock, type Clock } from './keys/clock.js';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import Fastify, { LogController, type FastifyInstance, type FastifyServerFactory } from 'fastify';
import type { Server as HttpsServer } from 'node:https';
import type { DestinationStream } from 'pino';
import type { GatewayConfig } from './config/types.js';
import { createAuthServices, type AuthServices } from './auth/auth-services.js';
import { KnownUsers } from './auth/known-users.js';
import { resolveServiceKey, type ServiceKey } from './config/service-key.js';
import { discoveryPaths, gatewayPaths, type GatewayPaths } from './gateway-endpoints.js';
import { answerClientError, answerFrameworkError, errorCodeOf, installErrorHandlers } from './http/error-handler.js';
import { gatewayServerFactory } from './http/http-server.js';
import { routeUpgrades } from './http/upgrades.js';
import { refreshCookieName } from './routes/session-cookies.js';
import { logEvents } from './events.js';
import { registerHealthRoutes, tcpReachable, type ReadinessCheck } from './http/health.js';
import { loggerOptions, redactUrl } from './http/logging.js';
import { readTlsFiles, reloadTlsFiles } from './http/tls.js';
import { lazyChildLoggerFactory } from './http/request-logger.js';
import { createAdminAuthenticator } from './access/admin-auth.js';
import { registerAdminRoutes } from './routes/admin-routes.js';
import { registerRelayAdminRoutes } from './routes/relay-admin-routes.js';
import { registerLoginRoutes } from './routes/login-routes.js';
import { registerSignInPage } from './routes/sign-in-route.js';
import { registerRateLimits } from './routes/rate-limits.js';
import { registerSessionRoutes } from './routes/session-routes.js';
import { createServiceIdentity, type ServiceIdentity } from './jwt/service-identity.js';
import { createMetrics, type GatewayMetrics } from './http/metrics.js';
import { startMetricsListener, type MetricsListener } from './http/metrics-listener.js';
import { TokenVerifier } from './jwt/token-verifier.js';
import { AssertionKeys } from './assertion/assertion-keys.js';
import { AssertionSigner } from './assertion/assertion-signer.js';
import { registerForwardAuthRoutes } from './routes/forward-auth-routes.js';
import { registerJwksRoute } from './routes/jwks-route.js';
import { registerProxiedRoutes } from './proxy/proxied-routes.js';
import { portalAuth } from './access/portal-auth-plugin.js';
import { RequestAuthenticator } from './access/request-authenticator.js';

export interface GatewayOptions {
  /** Where log lines go (default stdout). */
  logStream?: DestinationStream;
  /**
   * The clock everything that tells time reads (verifiers, sessions, logins, the login conversation, the
   * stores, assertions): Unix seconds, fraction kept. Default the system clock; tests move their own.
   */
  clock?: Clock;
  /** The demo only: an assertion key generated in memory, so that nothing is written to disk. */
  ephemeralAssertionKey?: boolean;
}

export interface Gateway {
  app: FastifyInstance;
  config: GatewayConfig;
  /** Where the gateway's own endpoints are (under `config.gatewayPrefix`). */
  paths: GatewayPaths;
  /** The service key as the start-up banner shows it: its public key, npub and origin (never the secret). */
  serviceKey: Pick<ServiceIdentity, 'publicKey' | 'npub'> & Omit<ServiceKey, 'secretKey'>;
  metrics: GatewayMetrics;
  auth: AuthServices;
  /** Start listening (and the metrics listener, with `metrics.listen`); resolves to the base URL. */
  listen(): Promise<string>;
  /** With `listen.tls`: read the certificate and key again for new connections (throws ConfigInvalid, keeping the current ones, when they are bad). */
  reloadTls(): void;
  /** Base URL of the metrics listener once listening, with `metrics.listen`. */
  readonly metricsUrl: string | undefined;
  /** Stop accepting connections, finish in-flight requests, release resources. */
  close(): Promise<void>;
}

export async function createGateway(config: GatewayConfig, options: GatewayOptions = {}): Promise<Gateway> {
  const serviceKey = resolveServiceKey(config.serviceKey, config.dataDir);
  // Derived once and handed over: the verifier, the session service, the admin API, the discovery document.
  const service = createServiceIdentity(serviceKey.secretKey);
  const clock = options.clock ?? systemClock;
  // First, so that a bad key stops the start before anything needs closing; reload problems go to the app's log.
  let logReloadError = (_error: unknown): void => undefined;
  const assertionKeys = config.assertion.enabled
    ? new AssertionKeys(config.assertion, config.dataDir, {
        ephemeral: options.ephemeralAssertionKey,
        onReloadError: (error) => logReloadError(error),
      })
    : undefined;
  const assertions =
    assertionKeys && new AssertionSigner(() => assertionKeys.current(), config.assertion.ttlSec, clock);
  const paths = gatewayPaths(config.gatewayPrefix);
  const metrics = createMetrics(() => verifier.stats());

  const tls = config.listen.tls;
  const tlsFiles = tls ? readTlsFiles(tls) : undefined;
  const app = Fastify({
    // Only tells Fastify the server speaks HTTPS (its listen URL): the server itself comes from the factory.
    https: tlsFiles ?? null,
    logger: loggerOptions(config.log, options.logStream),
    // One line per request, written by our onResponse hook.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyChildLoggerFactory,
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024, // for the gateway's own JSON endpoints; proxied bodies are streamed
    forceCloseConnections: 'idle',
    // Fastify's own 503 body is not in our error shape: a request that arrives on an open connection
    // while the gateway drains is served, and its connection closed after it.
    return503OnClosing: false,
    // An https.Server answers requests as an http.Server does: the app keeps the plain-HTTP types.
    serverFactory: gatewayServerFactory(config.limits, tlsFiles) as unknown as FastifyServerFactory<HttpsServer>,
    clientErrorHandler: answerClientError,
    frameworkErrors: answerFrameworkError,
  }) as unknown as FastifyInstance;
  installErrorHandlers(app);
  logReloadError = (error) =>
    app.log.error(
      { err: error },
      'assertion keyring changed but cannot be loaded; signing with the keys loaded before',
    );
  const auth = await createAuthServices(
    config,
    { key: serviceKey, identity: service },
    (error) => app.log.error({ err: error }, 'login bookkeeping failed'),
    logEvents(app.log),
    clock,
  ).catch((error: unknown) => {
    assertionKeys?.close();
    throw error;
  });
  metrics.observeAuth(auth);
  const knownUsers = new KnownUsers(auth.stores.users, { allowList: config.walletUsers });
  // One verifier for every token: the service key and the trusted issuers, then known users' wallet tokens.
  const verifier = new TokenVerifier({
    service,
    issuers: config.trustedIssuers,
    wallet: { isKnownUser: (userKey) => knownUsers.isKnown(userKey) },
    cacheSize: config.tokens.verifyCacheSize,
    clockToleranceSec: config.tokens.clockToleranceSec,
    clock,
    threads: config.tokens.verifyThreads,
    onVerified: (seconds) => metrics.observeVerify(seconds),
  });
  app.addHook('onClose', async () => {
    assertionKeys?.close();
    await auth.close();
    await verifier.close();
  });
  const authenticator = new RequestAuthenticator({ verifier, revocations: auth.revocations });

  const logEachRequest = ['info', 'debug', 'trace'].includes(config.log.level);
  // Callback-style hook on the hot path: no promise per request.
  app.addHook('onResponse', (request, reply, done) => {
    const { config: routeConfig, url } = request.routeOptions; // built anew on each read
    const route = routeConfig.routePrefix ?? (url ? 'gateway' : 'unmatched');
    const ms = reply.elapsedTime;
    metrics.countRequest(route, request.method, reply.statusCode, ms / 1000);
    if (logEachRequest && (config.log.probes || !routeConfig.probe)) {
      const code = errorCodeOf(reply);
      request.log.info(
        {
          method: request.method,
          url: redactUrl(request.url),
          route,
          status: reply.statusCode,
          ...(code ? { code } : {}),
          ms: Math.round(ms * 10) / 10,
          user: request.portal?.npub,
        },
        'request',
      );
    }
    done();
  });

  await app.register(portalAuth, {
    authenticator,
    // Proxied routes always carry their configured policy. The gateway's own endpoints are public by design
    // (sign-in, health, discovery), check their own credential (admin, forward-auth's original request) or
    // carry a policy (the session endpoints): the plugin must not require a token on the others.
    defaultPolicy: { auth: 'public' },
    cookieName: config.cookie.name,
    allowedOrigins: config.cors.origins,
    corsPreflight: config.cors.origins.length > 0,
    signInPath: paths.login,
    onOutcome: metrics.countAuthOutcome,
  });
  if (config.cors.origins.length > 0) {
    await app.register(cors, {
      origin: config.cors.origins.includes('*') ? '*' : config.cors.origins,
      credentials: config.cors.credentials,
    });
  }

  // Ready means able to authenticate and forward: that takes the store. Upstreams, relays (new logins
  // only) and logins are reported; one of them down must not take the whole gateway out of rotation.
  const upstreams: Record<string, ReadinessCheck> = {};
  for (const { upstream } of config.routes)
    if (upstream !== undefined) upstreams[new URL(upstream).origin] ??= tcpReachable(upstream);
  const relayReport = () =>
    Object.fromEntries(
      auth.pool.status().map((r) => [r.url, { state: r.state, ...(r.lastError ? { lastError: r.lastError } : {}) }]),
    );
  const loginReport = () => {
    const { pendingLogins, ignored: _ignored, ...totals } = auth.authenticator.stats();
    return { pending: pendingLogins, ...totals };
  };
  registerHealthRoutes(app, paths, {
    required: {
      store: async () => {
        await auth.stores.ping();
        return 'ok';
      },
    },
    upstreams,
    info: () => ({ relays: relayReport(), logins: loginReport() }),
  });
  const limited = await registerRateLimits(app, config.rateLimit);
  // Only the sign-in and session endpoints read and set cookies: the cookie plugin's two hooks stay off
  // the proxied requests (their token source reads the Cookie header itself when there is no Bearer).
  await app.register(async (sessions) => {
    await sessions.register(cookie);
    registerLoginRoutes(sessions, auth, paths, config.cookie, config.login.timeoutSec, limited);
    registerSignInPage(sessions, {
      serviceName: config.serviceName,
      allowedRedirectOrigins: config.login.allowedRedirectOrigins,
      refreshCookieName: refreshCookieName(config.cookie),
      paths,
    });
    registerSessionRoutes(sessions, auth, paths, config.cookie, config.cors.origins, limited);
  });
  const publicServiceKey = {
    publicKey: service.publicKey,
    npub: service.npub,
    source: serviceKey.source,
    path: serviceKey.path,
  };
  // One admin authenticator for every /admin route: a signed (NIP-98) request is usable once across all.
  const admin = createAdminAuthenticator(config.admin);
  registerAdminRoutes(
    app,
    config,
    paths,
    discoveryPaths(paths, config.routes),
    service,
    admin,
    limited,
    () => auth.pool.relays,
  );
  registerRelayAdminRoutes(app, paths, auth.pool, admin, limited);
  // With metrics.listen, /metrics is served there only (startMetricsListener, in listen()).
  if (!config.metrics.listen) {
    app.get(paths.metrics, { config: { probe: true } }, async (_request, reply) =>
      reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
    );
  }
  if (assertionKeys) registerJwksRoute(app, paths.jwks, assertionKeys);
  registerForwardAuthRoutes(app, paths.forwardAuth, {
    config: config.forwardAuth,
    routes: config.routes,
    authenticator,
    cookieName: config.cookie.name,
    allowedOrigins: config.cors.origins,
    assertions,
    publicUrl: config.publicUrl,
    signInPath: paths.login,
    onOutcome: metrics.countAuthOutcome,
    clock,
  });

  await registerProxiedRoutes(app, config.routes, {
    cookieName: config.cookie.name,
    trustProxy: config.trustProxy,
    maxBodyBytes: config.limits.maxBodyBytes,
    assertions,
    publicUrl: config.publicUrl,
    countUpstreamFailure: metrics.countUpstreamFailure,
  });
  routeUpgrades(app);

  let metricsListener: MetricsListener | undefined;
  return {
    app,
    config,
    paths,
    serviceKey: publicServiceKey,
    metrics,
    auth,
    get metricsUrl() {
      return metricsListener?.url;
    },
    async listen() {
      if (config.metrics.listen)
        metricsListener ??= await startMetricsListener(metrics.registry, config.metrics.listen);
      return app.listen({ host: config.listen.host, port: config.listen.port });
    },
    reloadTls() {
      if (tls) reloadTlsFiles(app.server as unknown as HttpsServer, tls);
    },
    async close() {
      await app.close();
      await metricsListener?.close();
    },
  };
}
