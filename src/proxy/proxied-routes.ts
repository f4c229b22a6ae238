/**
 * Forwarding: one @fastify/http-proxy registration per configured route, for its routing and body
 * pass-through; HTTP requests go out through the route's own UpstreamPool (undici's dispatcher, the answer
 * written straight to the client), WebSocket upgrades on routes that enable them through its
 * WebSocketTunnels. The route's policy rides
 * in the route config and is enforced by the portal-auth plugin before anything is forwarded.
 */
import httpProxy from '@fastify/http-proxy';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { RouteConfig } from '../config/types.js';
import { sendError } from '../http/error-handler.js';
import { gatewayOrigin } from '../http/request-origin.js';
import { declaredBodyLimit, streamedBodyLimit } from './body-limit.js';
import type { AssertionSigner } from '../assertion/assertion-signer.js';
import { dropRequestHopByHop } from './hop-by-hop.js';
import { IDENTITY_HEADER_NAMES, setIdentityHeaders } from '../access/identity-headers.js';
import { routePolicy } from '../access/portal-auth-plugin.js';
import { checkWebSocketHandshake, refuseUnproxiedUpgrade } from './upgrade-check.js';
import { UpstreamPool } from './upstream-pool.js';
import { upstreamTarget } from './upstream-target.js';
import { WebSocketTunnels } from './websocket-tunnel.js';
import { upgradeSocketOf } from '../http/upgrades.js';
import { isBearer, withoutCookie } from '../access/token-source.js';

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

type Headers = Record<string, string | string[] | undefined>;

/**
 * Headers for the upstream: the token removed (unless the route opts in), identity, its signed assertion
 * for `audience` and X-Forwarded-* set.
 */
export function upstreamHeaders(
  request: FastifyRequest,
  headers: IncomingHttpHeaders | Headers,
  route: RouteConfig,
  options: ForwardOptions,
  audience: string,
): Headers {
  // Every caller hands over its own copy of the request headers: edit it in place (hot path).
  const out = headers as Headers;
  dropRequestHopByHop(out);
  if (!route.passToken) {
    // Undefined rather than delete: the HTTP client skips it, and the object keeps its shape.
    if (typeof out.authorization === 'string' && isBearer(out.authorization)) out.authorization = undefined;
    if (typeof out.cookie === 'string') out.cookie = withoutCookie(out.cookie, options.cookieName);
  }
  const peer = request.raw.socket?.remoteAddress ?? '';
  const priorFor = options.trustProxy ? out['x-forwarded-for'] : undefined;
  out['x-forwarded-for'] = priorFor ? `${priorFor}, ${peer}` : peer;
  out['x-forwarded-proto'] =
    options.trustProxy && out['x-forwarded-proto'] ? out['x-forwarded-proto'] : request.protocol;
  // `host` is dropped with the hop-by-hop headers (the HTTP client names the upstream); the client's is on the request.
  out['x-forwarded-host'] =
    options.trustProxy && out['x-forwarded-host'] ? out['x-forwarded-host'] : request.headers.host;
  if (request.portal) {
    setIdentityHeaders(out, request.portal);
    const issuer = options.publicUrl ?? gatewayOrigin(request);
    if (options.assertions)
      out[IDENTITY_HEADER_NAMES.assertion] = options.assertions.assertionFor(request.portal, issuer, audience).token;
  }
  return out;
}

export async function registerProxiedRoutes(
  app: FastifyInstance,
  routes: readonly RouteConfig[],
  options: ForwardOptions,
): Promise<void> {
  // One scope for the proxied routes: the body limits apply to them and not to the gateway's own endpoints.
  await app.register(async (proxies) => {
    proxies.addHook('onRequest', refuseUnproxiedUpgrade);
    proxies.addHook('onRequest', declaredBodyLimit(options.maxBodyBytes));
    proxies.addHook('preParsing', streamedBodyLimit(options.maxBodyBytes));
    // Routes without an upstream exist only for forward-auth.
    for (const route of routes)
      if (route.upstream !== undefined) await registerRoute(proxies, route, route.upstream, options);
  });
}

async function registerRoute(
  app: FastifyInstance,
  route: RouteConfig,
  upstream: string,
  options: ForwardOptions,
): Promise<void> {
  const target = upstreamTarget({ upstream, rewritePrefix: route.rewritePrefix });
  const audience = route.assertion.audience ?? target.origin;
  // A relative Location of the upstream's, under the forwarded path, is given back under the route prefix.
  const routePath = route.prefix === '/' ? '' : route.prefix;
  const rewriteLocation = (location: string) =>
    target.pathPrefix !== routePath && location.startsWith(`${target.pathPrefix}/`)
      ? routePath + location.slice(target.pathPrefix.length)
      : location;
  const pool = new UpstreamPool(target.origin, route.timeoutMs, rewriteLocation);
  app.addHook('onClose', () => pool.close());
  const tunnels = new WebSocketTunnels(target.origin, route.timeoutMs, rewriteLocation);
  // Before the server closes: it waits for every connection, and a tunnel stays open as long as its peers like.
  app.addHook('preClose', (done) => {
    tunnels.closeAll();
    done();
  });
  await app.register(httpProxy, {
    // The plugin joins paths itself only from the upstream's root: the base path rides in rewritePrefix.
    // Under the prefix `/` the plugin keeps the rest of the path without its leading slash.
    upstream: target.origin,
    prefix: route.prefix,
    rewritePrefix: route.prefix === '/' ? `${target.pathPrefix}/` : target.pathPrefix || '/',
    // `dest` is the rewritten path, checked by the plugin (no dot segments, no other origin); the bare
    // prefix rewritten to the root leaves it empty.
    handler: (request, reply, dest) => {
      const raw = request.raw;
      const query = raw.url!.indexOf('?');
      const headers = upstreamHeaders(request, { ...request.headers }, route, options, audience);
      const path = (dest || '/') + (query === -1 ? '' : raw.url!.slice(query));
      // Only a route that proxies WebSockets lets an upgrade this far (refuseUnproxiedUpgrade).
      const upgrade = upgradeSocketOf(raw);
      if (upgrade !== undefined) {
        reply.hijack();
        return tunnels.open(upgrade.socket, upgrade.head, { path, headers });
      }
      // The plugin's content-type parser leaves a body as the stream it arrives on (through the body limits).
      const body =
        typeof (request.body as Readable | undefined)?.pipe === 'function' ? (request.body as Readable) : null;
      pool.forward(reply, { method: request.method, path, headers, body }, (failure) => sendError(reply, failure));
    },
    ...(route.websocket ? { preHandler: checkWebSocketHandshake } : {}),
    config: { portalAuth: routePolicy(route), routePrefix: route.prefix, websocket: route.websocket },
    disableRequestLogging: true,
  });
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Prefix of the configured route that served the request (metrics label). */
    routePrefix?: string;
    /** The route proxies WebSocket upgrades. */
    websocket?: boolean;
  }
}
