/**
 * Browser cookies: the access token (`cookie.name`, every path) and the refresh token (`<name>_refresh`,
 * only sent to <gatewayPrefix>/auth), both httpOnly so page scripts never see them, plus the login secret
 * while a login is pending (only sent to <gatewayPrefix>/auth/login).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { CookieConfig } from '../config/types.js';
import type { TokenResponse } from '../auth/session-service.js';
import type { GatewayPaths } from '../gateway-endpoints.js';

export const LOGIN_SECRET_COOKIE = 'portal_login';
export const LOGIN_SECRET_HEADER = 'x-login-secret';
export const LOGIN_SECRET_QUERY = 'login_secret';

export function refreshCookieName(cookie: CookieConfig): string {
  return `${cookie.name}_refresh`;
}

function base(cookie: CookieConfig, path: string, maxAgeSec: number): CookieSerializeOptions {
  return {
    httpOnly: true,
    secure: cookie.secure,
    sameSite: cookie.sameSite,
    path,
    maxAge: maxAgeSec,
    ...(cookie.domain ? { domain: cookie.domain } : {}),
  };
}

export function setSessionCookies(
  reply: FastifyReply,
  cookie: CookieConfig,
  paths: GatewayPaths,
  tokens: TokenResponse,
): void {
  reply.setCookie(cookie.name, tokens.access_token, base(cookie, '/', tokens.expires_in));
  reply.setCookie(
    refreshCookieName(cookie),
    tokens.refresh_token,
    base(cookie, paths.authScope, tokens.refresh_expires_in),
  );
}

export function clearSessionCookies(reply: FastifyReply, cookie: CookieConfig, paths: GatewayPaths): void {
  reply.clearCookie(cookie.name, base(cookie, '/', 0));
  reply.clearCookie(refreshCookieName(cookie), base(cookie, paths.authScope, 0));
}

export function setLoginSecretCookie(
  reply: FastifyReply,
  cookie: CookieConfig,
  paths: GatewayPaths,
  secret: string,
  maxAgeSec: number,
): void {
  reply.setCookie(LOGIN_SECRET_COOKIE, secret, base(cookie, paths.login, maxAgeSec));
}

export function clearLoginSecretCookie(reply: FastifyReply, cookie: CookieConfig, paths: GatewayPaths): void {
  reply.clearCookie(LOGIN_SECRET_COOKIE, base(cookie, paths.login, 0));
}

/** The login secret and where it came from: the header (apps) or the cookie (browsers). */
/**
 * The login secret and where it came from: the header (apps), the `login_secret` query parameter (apps
 * whose event-stream client cannot set headers; redacted from logs), or the cookie (browsers).
 */
export function loginSecretOf(
  request: FastifyRequest,
): { secret: string; from: 'header' | 'query' | 'cookie' } | undefined {
  const header = request.headers[LOGIN_SECRET_HEADER];
  if (typeof header === 'string' && header !== '') return { secret: header, from: 'header' };
  const query = (request.query as Record<string, unknown> | undefined)?.[LOGIN_SECRET_QUERY];
  if (typeof query === 'string' && query !== '') return { secret: query, from: 'query' };
  const cookie = request.cookies[LOGIN_SECRET_COOKIE];
  return cookie ? { secret: cookie, from: 'cookie' } : undefined;
}
