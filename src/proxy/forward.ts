/**
 * Forwarding: one @fastify/http-proxy registration per configured route (bodies streamed both ways,
 * WebSocket upgrades on routes that enable them). The route's policy rides in the route config and is
 * enforced by the portal-auth plugin before anything is forwarded.
 */
import httpProxy from '@fastify/http-proxy';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import type { RouteConfig } from '../config/types.js';
import { PayloadTooLarge, UpstreamTimeout, UpstreamUnavailable } from '../errors.js';
import { sendError } from '../http/error-handler.js';
import { declaredBodyLimit, streamedBodyLimit } from './body-limit.js';
import type { AssertionSigner } from '../assertion/assertion-signer.js';
import { dropRequestHopByHop, dropResponseHopByHop } from './hop-by-hop.js';
import { IDENTITY_HEADER_NAMES, setIdentityHeaders } from './identity-headers.js';
import type { RoutePolicy } from './portal-auth-plugin.js';
import { checkWebSocketHandshake, refuseUnproxiedUpgrade } from './upgrade-check.js';
import { upstreamTarget } from './upstream-target.js';
import { withoutCookie } from './token-source.js';

export interface ForwardOptions {
  cookieName: string;
  trustProxy: boolean;
  /** Largest request body forwarded, declared or streamed. */
  maxBodyBytes: number;
  /** Signs `x-portal-assertion` (absent: `assertion.enabled` is false). */
  assertions?: AssertionSigner;
  /** `iss` of the assertions; default the origin the gateway was reached at. */
  publicUrl?: string;
}

/** The origin a request reached the gateway at. */
export function gatewayOrigin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

/** The policy a route gives the portal-auth plugin and forward-auth alike. */
export function routePolicy(route: Pick<RouteConfig, 'auth' | 'permissions' | 'loginRedirect'>): RoutePolicy {
  return { auth: route.auth, permissions: route.permissions, loginRedirect: route.loginRedirect };
}

type Headers = Record<string, string | string[] | undefined>;

/**
 * Headers for the upstream: the token removed (unless the route opts in), identity, its signed assertion
 * for `audience` and X-Forwarded-* set.
 */
export function upstreamHeaders(request: FastifyRequest, headers: IncomingHttpHeaders | Headers, route: RouteConfig, options: ForwardOptions, audience: string): Headers {
  // The proxy hands us its own copy of the request headers: edit it in place (hot path).
  const out = headers as Headers;
  dropRequestHopByHop(out);
  if (!route.passToken) {
    // Undefined rather than delete: the HTTP client skips it, and the object keeps its shape.
    if (typeof out.authorization === 'string' && /^bearer(?:[ \t]|$)/i.test(out.authorization)) out.authorization = undefined;
    if (typeof out.cookie === 'string') out.cookie = withoutCookie(out.cookie, options.cookieName);
  }
  const peer = request.raw.socket?.remoteAddress ?? '';
  const priorFor = options.trustProxy ? out['x-forwarded-for'] : undefined;
  out['x-forwarded-for'] = priorFor ? `${priorFor}, ${peer}` : peer;
  out['x-forwarded-proto'] = options.trustProxy && out['x-forwarded-proto'] ? out['x-forwarded-proto'] : request.protocol;
  // `host` already names the upstream here; the client's host is on the request.
  out['x-forwarded-host'] = options.trustProxy && out['x-forwarded-host'] ? out['x-forwarded-host'] : request.headers.host;
  if (request.portal) {
    setIdentityHeaders(out, request.portal);
    const issuer = options.publicUrl ?? gatewayOrigin(request);
    if (options.assertions) out[IDENTITY_HEADER_NAMES.assertion] = options.assertions.assertionFor(request.portal, issuer, audience).token;
  }
  return out;
}

export async function registerRoutes(app: FastifyInstance, routes: readonly RouteConfig[], options: ForwardOptions): Promise<void> {
  // One scope for the proxied routes: the body limits apply to them and not to the gateway's own endpoints.
  await app.register(async (proxies) => {
    proxies.addHook('onRequest', refuseUnproxiedUpgrade);
    proxies.addHook('onRequest', declaredBodyLimit(options.maxBodyBytes));
    proxies.addHook('preParsing', streamedBodyLimit(options.maxBodyBytes));
    // Routes without an upstream exist only for forward-auth.
    for (const route of routes) if (route.upstream !== undefined) await registerRoute(proxies, route, route.upstream, options);
  });
}

async function registerRoute(app: FastifyInstance, route: RouteConfig, upstream: string, options: ForwardOptions): Promise<void> {
  const target = upstreamTarget({ upstream, rewritePrefix: route.rewritePrefix });
  const audience = route.assertion.audience ?? target.origin;
  await app.register(httpProxy, {
    // The plugin joins paths itself only from the upstream's root: the base path rides in rewritePrefix.
    // Under the prefix `/` the plugin keeps the rest of the path without its leading slash.
    upstream: target.origin,
    prefix: route.prefix,
    rewritePrefix: route.prefix === '/' ? `${target.pathPrefix}/` : target.pathPrefix || '/',
    // The bare prefix rewritten to the root leaves an empty path, which reply-from would replace with the
    // request's own path: send it to `/` (reply-from appends the query).
    handler: (_request, reply, dest, replyOptions) => reply.from(dest || '/', replyOptions),
    ...(route.websocket ? { websocket: true as const, preHandler: checkWebSocketHandshake } : {}),
    config: { portalAuth: routePolicy(route), routePrefix: route.prefix, websocket: route.websocket },
    disableRequestLogging: true,
    undici: { connections: 128, pipelining: 1, keepAliveTimeout: 60_000 },
    replyOptions: {
      timeout: route.timeoutMs,
      rewriteRequestHeaders: (request, headers) => upstreamHeaders(request as FastifyRequest, headers, route, options, audience) as IncomingHttpHeaders,
      rewriteHeaders: dropResponseHopByHop,
      onError: (reply, { error }) => {
        const status = (error as { statusCode?: number }).statusCode;
        const failure =
          bodyLimitError(error) ?? (status === 504 ? new UpstreamTimeout(undefined, { cause: error }) : new UpstreamUnavailable(undefined, { cause: error }));
        sendError(reply as FastifyReply, failure);
      },
    },
    // Supported by the plugin (it forwards the handshake through this hook) but missing from its types.
    wsClientOptions: {
      // `headers` is the plugin's one shared object for every connection: work on a copy. The client's
      // Origin goes on, so that the upstream can apply its own origin rules.
      rewriteRequestHeaders: (headers: Headers, request: FastifyRequest) =>
        upstreamHeaders(request, { ...headers, ...(request.headers.origin === undefined ? {} : { origin: request.headers.origin }) }, route, options, audience),
    } as object,
  });
}

/** The body limit's own error, when that is what ended the upstream request (the HTTP client wraps it). */
function bodyLimitError(error: unknown): PayloadTooLarge | undefined {
  for (let cause = error; cause instanceof Error; cause = cause.cause) if (cause instanceof PayloadTooLarge) return cause;
  return undefined;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Prefix of the configured route that served the request (metrics label). */
    routePrefix?: string;
    /** The route proxies WebSocket upgrades. */
    websocket?: boolean;
  }
}
