/**
 * Forward-auth for proxies that stay in front (nginx `auth_request`, Caddy `forward_auth`, Traefik
 * ForwardAuth): `GET`/`HEAD /auth/verify` answers "may this request pass, and who is it?" for the
 * request the proxy describes, `/auth/verify/<name>` the same under one fixed policy. The policy is
 * never chosen by the client: it comes from the configured routes or the policy's name in the path,
 * never from a query parameter (Caddy appends the client's query string to the URI it calls).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AssertionSigner } from '../assertion/assertion-signer.js';
import type { ForwardAuthConfig, RouteConfig } from '../config/types.js';
import { GatewayError, RouteNotFound } from '../errors.js';
import { nowSeconds, type Clock } from '../keys/clock.js';
import { forwardAuthTarget, type ForwardAuthTarget } from './forward-auth-target.js';
import { gatewayOrigin } from '../http/request-origin.js';
import { IDENTITY_HEADER_NAMES, identityHeaderList } from '../access/identity-headers.js';
import type { PortalIdentity } from '../jwt/identity.js';
import { signInRedirect } from '../access/login-redirect.js';
import { authorizeRequest, routePolicy, type RoutePolicy } from '../access/portal-auth-plugin.js';
import type { RequestAuthenticator } from '../access/request-authenticator.js';
import { createRouteMatcher } from '../access/route-match.js';

export interface ForwardAuthOptions {
  config: ForwardAuthConfig;
  routes: readonly RouteConfig[];
  authenticator: RequestAuthenticator;
  cookieName: string;
  /** Origins besides the original request's whose cookie-authenticated state changes are allowed. */
  allowedOrigins: readonly string[];
  /** Absent when `assertion.enabled` is false. */
  assertions?: AssertionSigner;
  publicUrl?: string;
  signInPath: string;
  onOutcome?: (outcome: string) => void;
  /** The gateway's clock (how long an answer may be cached); default the system clock. */
  clock?: Clock;
}

/** `path`: where the endpoint list puts it (src/gateway-endpoints.ts). */
export function registerForwardAuthRoutes(app: FastifyInstance, path: string, options: ForwardAuthOptions): void {
  const { config } = options;
  const matchRoute = createRouteMatcher(options.routes);
  // Built once: a forward-auth answer allocates no policy.
  const routePolicies = new Map(options.routes.map((route) => [route, routePolicy(route)]));
  const defaultPolicy = routePolicy(config.defaultPolicy);
  const named = new Map(Object.entries(config.policies).map(([name, policy]) => [name, routePolicy(policy)]));

  app.get(path, (request, reply) => {
    const target = forwardAuthTarget(request, config.uriHeader, config.methodHeader);
    const route = target.path === undefined ? undefined : matchRoute(target.path);
    return answer(
      request,
      reply,
      target,
      route ? routePolicies.get(route)! : defaultPolicy,
      route?.assertion.audience ?? target.origin,
    );
  });

  app.get<{ Params: { name: string } }>(`${path}/:name`, (request, reply) => {
    reply.header('cache-control', 'no-store');
    const policy = named.get(request.params.name);
    // An unknown name is a mistake in the proxy's configuration: never fall back to a default.
    if (!policy) throw new RouteNotFound(request.method, request.url.split('?', 1)[0]!);
    const target = forwardAuthTarget(request, config.uriHeader, config.methodHeader);
    return answer(request, reply, target, policy, target.origin);
  });

  async function answer(
    request: FastifyRequest,
    reply: FastifyReply,
    target: ForwardAuthTarget,
    policy: RoutePolicy,
    audience: string,
  ): Promise<FastifyReply> {
    reply.header('cache-control', 'no-store');
    let identity: PortalIdentity | null;
    try {
      identity = await authorizeRequest(
        request,
        policy,
        options.authenticator,
        options.cookieName,
        options.allowedOrigins,
        target,
      );
    } catch (error) {
      options.onOutcome?.(error instanceof GatewayError ? error.code : 'ERR_INTERNAL');
      const location = policy.loginRedirect ? signInLocation(request, target, error) : undefined;
      if (location) return reply.redirect(location, 302);
      throw error;
    }
    options.onOutcome?.(identity ? 'ok' : 'anonymous');
    request.portal = identity;
    if (identity) allow(request, reply, identity, audience);
    return reply.code(200).send();
  }

  function allow(request: FastifyRequest, reply: FastifyReply, identity: PortalIdentity, audience: string): void {
    const headers: Record<string, string> = {};
    const identityHeaders = identityHeaderList(identity);
    for (let i = 0; i < identityHeaders.length; i += 2) headers[identityHeaders[i]!] = identityHeaders[i + 1]!;
    const now = nowSeconds(options.clock);
    let maxAge = Math.min(config.cacheSec, identity.claims.exp - now);
    if (options.assertions) {
      const assertion = options.assertions.assertionFor(
        identity,
        options.publicUrl ?? gatewayOrigin(request),
        audience,
        now,
      );
      headers[IDENTITY_HEADER_NAMES.assertion] = assertion.token;
      // A cached answer must not hand the upstream an assertion that has expired meanwhile.
      maxAge = Math.min(maxAge, assertion.expiresAt - now);
    }
    if (config.cacheSec > 0 && maxAge > 0) headers['cache-control'] = `private, max-age=${maxAge}`;
    reply.headers(headers);
  }

  /** The sign-in page, coming back to the original URL; on the gateway's own origin when that is another one. */
  function signInLocation(request: FastifyRequest, target: ForwardAuthTarget, error: unknown): string | undefined {
    const page = { method: target.method, url: target.uri, headers: request.headers };
    const gateway = options.publicUrl;
    if (gateway === undefined || new URL(gateway).origin === target.origin)
      return signInRedirect(page, error, options.signInPath);
    const returnTo = `${target.origin}/${target.uri.replace(/^[/\\]+/, '')}`;
    return signInRedirect(page, error, `${gateway}${options.signInPath}`, returnTo);
  }
}
