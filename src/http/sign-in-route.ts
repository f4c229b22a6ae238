/**
 * GET /auth/login: the sign-in page for browsers. `?next=` names where to go once signed in; it is
 * checked here (a refused target answers 400 with an explanation and starts no login) and again by
 * the page's script before it navigates.
 */
import type { FastifyInstance } from 'fastify';
import { checkRedirectTarget } from './pages/redirect-target.js';
import { renderSignInPage, SIGN_IN_CSP } from './pages/sign-in-page.js';

export interface SignInPageConfig {
  serviceName: string;
  allowedRedirectOrigins: readonly string[];
  /** Name of the refresh cookie (sent to /auth paths only, so the page can see whether there is one). */
  refreshCookieName: string;
}

export const SIGN_IN_PATH = '/auth/login';

export function registerSignInPage(app: FastifyInstance, config: SignInPageConfig): void {
  app.get(SIGN_IN_PATH, async (request, reply) => {
    const raw = (request.query as Record<string, unknown>).next;
    const check = raw === undefined ? undefined : typeof raw === 'string' ? checkRedirectTarget(raw, config.allowedRedirectOrigins) : { ok: false as const };
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
    };
    if (check && !check.ok) return reply.code(400).send(renderSignInPage({ ...page, next: null, refused: true }));
    return reply.send(renderSignInPage({ ...page, next: check?.target ?? null }));
  });
}
