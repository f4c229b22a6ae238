/**
 * GET <gatewayPrefix>/auth/login: the sign-in page for browsers. `?next=` names where to go once signed in; it is
 * checked here (a refused target answers 400 with an explanation and starts no login) and again by
 * the page's script before it navigates.
 */
import type { FastifyInstance } from 'fastify';
import type { GatewayPaths } from '../gateway-endpoints.js';
import { checkRedirectTarget } from './pages/redirect-target.js';
import { renderSignInPage, SIGN_IN_CSP } from './pages/sign-in-page.js';

export interface SignInPageConfig {
  serviceName: string;
  allowedRedirectOrigins: readonly string[];
  /** Name of the refresh cookie (sent to the /auth paths only, so the page can see whether there is one). */
  refreshCookieName: string;
  /** The endpoints the page's script calls. */
  paths: GatewayPaths;
}

export function registerSignInPage(app: FastifyInstance, config: SignInPageConfig): void {
  app.get(config.paths.login, async (request, reply) => {
    const raw = (request.query as Record<string, unknown>).next;
    const check =
      raw === undefined
        ? undefined
        : typeof raw === 'string'
          ? checkRedirectTarget(raw, config.allowedRedirectOrigins)
          : { ok: false as const };
    reply
      .header('content-security-policy', SIGN_IN_CSP)
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'no-referrer')
      .type('text/html; charset=utf-8');
    const page = {
      serviceName: config.serviceName,
      allowedRedirectOrigins: config.allowedRedirectOrigins,
      hasRefreshCookie: Boolean(request.cookies[config.refreshCookieName]),
      paths: config.paths,
    };
    if (check && !check.ok) return reply.code(400).send(renderSignInPage({ ...page, next: null, refused: true }));
    return reply.send(renderSignInPage({ ...page, next: check?.target ?? null }));
  });
}
