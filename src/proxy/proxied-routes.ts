/**
 * Forwarding: two routes per configured route (its prefix, and everything under it) in one scope where
 * request bodies are left as the stream they arrive on. HTTP requests go out through the route's own
 * UpstreamPool (undici's dispatcher, the answer written straight to the client), WebSocket upgrades on
 * routes that enable them through its WebSocketTunnels. The route's policy rides in the route config and
 * is enforced by the portal-auth plugin before anything is forwarded.
 */
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import type { RouteConfig } from '../config/types.js';
import type { GatewayError } from '../errors.js';
import { sendError } from '../http/error-handler.js';
import { declaredBodyLimit, streamedBodyLimit } from './body-limit.js';
import { routePolicy } from '../access/portal-auth-plugin.js';
import { checkWebSocketHandshake, refuseUnproxiedUpgrade } from './upgrade-check.js';
import { UpstreamPool } from './upstream-pool.js';
import { upstreamTarget } from './upstream-target.js';
import { upstreamPathRule } from './upstream-path.js';
import { upstreamHeaderList, type UpstreamHeaderOptions } from './upstream-headers.js';
import { WebSocketTunnels } from './websocket-tunnel.js';
import { upgradeSocketOf } from '../http/upgrades.js';
import { reportUpstreamFailure } from './upstream-failure-report.js';

export interface ForwardOptions extends UpstreamHeaderOptions {
  /** Largest request body forwarded, declared or streamed. */
  maxBodyBytes: number;
  /** Counts an upstream failure (metrics), by route prefix and error code. */
  countUpstreamFailure?: (route: string, code: string) => void;
}

/** The methods a proxied route forwards; others get the gateway's 404, as an unknown path does. */
const METHODS = ['DELETE', 'GET', 'HEAD', 'PATCH', 'POST', 'PUT', 'OPTIONS'];

export async function registerProxiedRoutes(
  app: FastifyInstance,
  routes: readonly RouteConfig[],
  options: ForwardOptions,
): Promise<void> {
  // One scope for the proxied routes: the body limits apply to them and not to the gateway's own endpoints.
  await app.register(async (proxies) => {
    // Bodies stream to the upstream as they arrive, whatever their type: nothing is parsed here.
    proxies.removeAllContentTypeParsers();
    proxies.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
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
  // Under the prefix `/` the rest of the path comes without its leading slash, so the base path takes one.
  const upstreamPath = upstreamPathRule(
    route.prefix,
    route.prefix === '/' ? `${target.pathPrefix}/` : target.pathPrefix,
  );
  const pool = new UpstreamPool(target.origin, route.timeoutMs, rewriteLocation);
  app.addHook('onClose', () => pool.close());
  const tunnels = new WebSocketTunnels(target.origin, route.timeoutMs, rewriteLocation);
  // Before the server closes: it waits for every connection, and a tunnel stays open as long as its peers like.
  app.addHook('preClose', (done) => {
    tunnels.closeAll();
    done();
  });

  // Why an upstream failed a request: logged and counted, the same for HTTP requests and WebSocket handshakes.
  const reportFailure = (log: FastifyBaseLogger, failure: GatewayError) =>
    reportUpstreamFailure({ log, count: options.countUpstreamFailure }, route.prefix, target.origin, failure);

  function forward(request: FastifyRequest, reply: FastifyReply): void {
    const raw = request.raw;
    const path = upstreamPath(raw.url!);
    const headers = upstreamHeaderList(request, route, options, audience);
    // Only a route that proxies WebSockets lets an upgrade this far (refuseUnproxiedUpgrade).
    const upgrade = upgradeSocketOf(raw);
    if (upgrade !== undefined) {
      reply.hijack();
      return tunnels.open(upgrade.socket, upgrade.head, { path, headers }, (failure) =>
        reportFailure(request.log, failure),
      );
    }
    const body = typeof (request.body as Readable | undefined)?.pipe === 'function' ? (request.body as Readable) : null;
    pool.forward(reply, { method: request.method, path, headers, body }, (failure) => {
      reportFailure(request.log, failure);
      if (!reply.raw.headersSent) sendError(reply, failure);
    });
  }

  await app.register(
    async (scope) => {
      for (const url of ['/', '/*']) {
        scope.route({
          method: METHODS,
          url,
          handler: forward,
          ...(route.websocket ? { preHandler: checkWebSocketHandshake } : {}),
          config: { portalAuth: routePolicy(route), routePrefix: route.prefix, websocket: route.websocket },
        });
      }
    },
    { prefix: route.prefix },
  );
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Prefix of the configured route that served the request (metrics label). */
    routePrefix?: string;
    /** The route proxies WebSocket upgrades. */
    websocket?: boolean;
  }
}
