/**
 * Fastify plugin: strips client identity headers from every request, and on every route applies the
 * `portalAuth` policy of its config, or `defaultPolicy` (required unless told otherwise) when it has
 * none: it authenticates the caller and decorates `request.portal`. The gateway uses it for its proxy
 * routes; teams embedding the gateway can use it for their own (register the plugin before the routes
 * it guards). A route the app forgot to annotate is not left open.
 *
 *   app.register(portalAuth, { authenticator, cookieName: 'portal_session' });
 *   app.get('/me', (req) => req.portal);                                        // the default: required
 *   app.get('/health', { config: { portalAuth: { auth: 'public' } } }, () => 'ok');
 */
import type {
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  onRequestHookHandler,
} from 'fastify';
import fp from 'fastify-plugin';
import type {} from '@fastify/cookie';
import { AuthRequired, GatewayError, InvalidArgument, PermissionDenied } from '../errors.js';
import { ENDPOINT_PATHS } from '../gateway-endpoints.js';
import { sendError } from '../http/error-handler.js';
import { assertSameOrigin, SAFE_METHODS } from './csrf.js';
import type { AuthPolicy, RouteConfig } from '../config/types.js';
import type { PortalIdentity } from '../jwt/identity.js';
import { stripIdentityHeaders } from './identity-headers.js';
import { signInRedirect } from './login-redirect.js';
import type { RequestAuthenticator } from './request-authenticator.js';
import { extractToken } from './token-source.js';

export interface RoutePolicy {
  auth: AuthPolicy;
  /** Every listed permission must be granted; implies `required`. */
  permissions?: readonly string[];
  /** Browsers loading a page without a valid session are redirected to the sign-in page instead of a 401. */
  loginRedirect?: boolean;
}

/** The policy a route gives the portal-auth plugin and forward-auth alike. */
export function routePolicy(route: Pick<RouteConfig, 'auth' | 'permissions' | 'loginRedirect'>): RoutePolicy {
  return { auth: route.auth, permissions: route.permissions, loginRedirect: route.loginRedirect };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Verified identity of the caller, or null (public route, or anonymous on an optional one). */
    portal: PortalIdentity | null;
  }
  interface FastifyContextConfig {
    portalAuth?: RoutePolicy;
  }
}

export interface PortalAuthPluginOptions {
  authenticator: RequestAuthenticator;
  /**
   * The policy of routes whose config has no `portalAuth`; default `{ auth: 'required' }`, so a route the
   * app forgot to annotate is closed. Routes opt out with `{ auth: 'public' }`.
   */
  defaultPolicy?: RoutePolicy;
  /** Cookie that carries the access token for browsers; default `portal_session`. */
  cookieName?: string;
  /** Origins besides the gateway's own whose cookie-authenticated requests may change state. */
  allowedOrigins?: readonly string[];
  /** Let CORS preflights through unauthenticated (set when @fastify/cors answers them). */
  corsPreflight?: boolean;
  /** Sign-in page for routes with `loginRedirect`; default `/auth/login` (the gateway passes its prefixed one). */
  signInPath?: string;
  /** Called once per policy decision with 'ok', 'anonymous' or an error code (metrics). */
  onOutcome?: (outcome: string) => void;
}

/** The request a policy decision is about when it is not the one carrying the credential (forward-auth). */
export interface OriginalRequest {
  method: string;
  /** `scheme://host[:port]` the original request was made to. */
  origin: string;
}

/**
 * Apply a route policy to a request; resolves to the identity, null for anonymous, or rejects.
 * Asynchronous because a wallet-issued token's signer may need a store lookup.
 */
export function authorizeRequest(
  request: FastifyRequest,
  policy: RoutePolicy,
  authenticator: RequestAuthenticator,
  cookieName: string,
  allowedOrigins: readonly string[] = [],
  original?: OriginalRequest,
): PortalIdentity | null | Promise<PortalIdentity | null> {
  if (policy.auth === 'public') return null;
  const presented = extractToken(request.headers, request.cookies, cookieName);
  if (presented === undefined) {
    if (policy.auth === 'required') throw new AuthRequired();
    return null;
  }
  // A WebSocket handshake is a GET, but the connection it opens acts for the user as a POST would.
  if (
    presented.fromCookie &&
    (!SAFE_METHODS.has(original?.method ?? request.method) || request.headers.upgrade !== undefined)
  ) {
    assertSameOrigin(request, allowedOrigins, original?.origin);
  }
  // Synchronous unless a wallet-issued token's signer must be looked up (flow B).
  const identity = authenticator.authenticateAny(presented.token);
  return identity instanceof Promise
    ? identity.then((found) => withPermissions(policy, found))
    : withPermissions(policy, identity);
}

function withPermissions(policy: RoutePolicy, identity: PortalIdentity): PortalIdentity {
  const missing = policy.permissions?.filter((p) => !identity.permissions.includes(p)) ?? [];
  if (missing.length > 0)
    throw new PermissionDenied(`missing permission${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`);
  return identity;
}

function isCorsPreflight(request: FastifyRequest): boolean {
  return (
    request.method === 'OPTIONS' &&
    request.headers.origin !== undefined &&
    request.headers['access-control-request-method'] !== undefined
  );
}

/** The onRequest hook of one route with a policy: authenticate, then decorate `request.portal`. */
function policyHook(policy: RoutePolicy, options: PortalAuthPluginOptions, cookieName: string): onRequestHookHandler {
  // Callback-style and synchronous on the common path (flow A): no promise and no closure per request.
  return function enforcePortalPolicy(request, reply, done) {
    // Browsers never send credentials on a CORS preflight; @fastify/cors answers it without forwarding.
    if (options.corsPreflight && isCorsPreflight(request)) return done();
    let decided: PortalIdentity | null | Promise<PortalIdentity | null>;
    try {
      decided = authorizeRequest(request, policy, options.authenticator, cookieName, options.allowedOrigins);
    } catch (error) {
      return reject(request, reply, done, error, policy, options);
    }
    if (!(decided instanceof Promise)) return accept(request, done, decided, options);
    decided.then(
      (identity) => accept(request, done, identity, options),
      (error: unknown) => reject(request, reply, done, error, policy, options),
    );
  };
}

function accept(
  request: FastifyRequest,
  done: HookHandlerDoneFunction,
  identity: PortalIdentity | null,
  options: PortalAuthPluginOptions,
): void {
  request.portal = identity;
  options.onOutcome?.(identity ? 'ok' : 'anonymous');
  done();
}

function reject(
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
  error: unknown,
  policy: RoutePolicy,
  options: PortalAuthPluginOptions,
): void {
  options.onOutcome?.(error instanceof GatewayError ? error.code : 'ERR_INTERNAL');
  const location = policy.loginRedirect
    ? signInRedirect(request, error, options.signInPath ?? ENDPOINT_PATHS.login)
    : undefined;
  // Replying from a callback hook: send, and do not call done.
  if (location) return void reply.header('cache-control', 'no-store').redirect(location, 302);
  // Answered here rather than by the app's error handler, so an app embedding the plugin gets the
  // same JSON 401/403 (and WWW-Authenticate) as the gateway; anything else is a bug for that handler.
  if (error instanceof GatewayError) return void sendError(reply, error);
  done(error as Error);
}

const AUTH_POLICIES: readonly string[] = ['public', 'optional', 'required'] satisfies AuthPolicy[];

/** A policy the plugin would misread (a misspelt `auth` would let callers through) stops the app at start-up. */
function checkedPolicy(policy: RoutePolicy, where: string): RoutePolicy {
  if (typeof policy !== 'object' || policy === null || !AUTH_POLICIES.includes(policy.auth)) {
    throw new InvalidArgument(`${where}: auth must be one of ${AUTH_POLICIES.join(', ')}`);
  }
  if (
    policy.permissions !== undefined &&
    !(Array.isArray(policy.permissions) && policy.permissions.every((p) => typeof p === 'string'))
  ) {
    throw new InvalidArgument(`${where}: permissions must be an array of strings`);
  }
  return policy;
}

const plugin: FastifyPluginAsync<PortalAuthPluginOptions> = async (app, options) => {
  const cookieName = options.cookieName ?? 'portal_session';
  const defaultPolicy = checkedPolicy(options.defaultPolicy ?? { auth: 'required' }, 'portalAuth defaultPolicy');
  app.decorateRequest('portal', null);
  // Every request, routed or not, loses client-sent identity headers before anything else reads them.
  app.addHook('onRequest', (request, _reply, done) => {
    stripIdentityHeaders(request.headers, request.raw.rawHeaders);
    done();
  });
  // A route's policy is read once, when the route is added, rather than looked up on every request.
  app.addHook('onRoute', (route) => {
    const own = route.config?.portalAuth;
    // A public default needs no hook: `request.portal` stays null, as it starts.
    const policy =
      own === undefined
        ? defaultPolicy.auth === 'public'
          ? undefined
          : defaultPolicy
        : checkedPolicy(own, `portalAuth policy of ${route.method} ${route.url}`);
    if (!policy) return;
    const hooks =
      route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [...hooks, policyHook(policy, options, cookieName)];
  });
};

export const portalAuth = fp(plugin, { name: 'portal-auth', fastify: '5.x' });
