/** Where a request's token comes from: `Authorization: Bearer`, else the session cookie. */
import { parseCookie } from 'cookie';
import type { IncomingHttpHeaders } from 'node:http';
import { JwtMalformed } from '../errors.js';
import { MAX_TOKEN_LENGTH } from '../jwt/jws.js';

const BEARER = /^Bearer[ \t]+(\S*)[ \t]*$/i;
const BEARER_SCHEME = /^bearer(?:[ \t]|$)/i;

/** Whether an Authorization header uses the Bearer scheme (whatever follows): the ones the gateway reads. */
export function isBearer(authorization: string): boolean {
  return BEARER_SCHEME.test(authorization);
}

export interface PresentedToken {
  token: string;
  /** Sent automatically by browsers, so state-changing requests need a CSRF check. */
  fromCookie: boolean;
}

/**
 * The presented token, or undefined when there is none. A non-Bearer Authorization header (e.g. Basic,
 * meant for the upstream) is not ours and is ignored. Oversized values are rejected before decoding.
 * `cookies` are the request's parsed cookies where @fastify/cookie runs; elsewhere (proxied routes,
 * apps without the plugin) the Cookie header is parsed here, and only when there is no Bearer token.
 */
export function extractToken(
  headers: IncomingHttpHeaders,
  cookies: Record<string, string | undefined> | null | undefined,
  cookieName: string,
): PresentedToken | undefined {
  const authorization = headers.authorization;
  let presented: PresentedToken | undefined;
  if (authorization !== undefined && isBearer(authorization)) {
    const match = BEARER.exec(authorization);
    if (!match || match[1] === '') throw new JwtMalformed('Authorization header must be "Bearer <token>"');
    presented = { token: match[1]!, fromCookie: false };
  } else {
    const cookie = (cookies ?? (headers.cookie ? parseCookie(headers.cookie) : undefined))?.[cookieName];
    if (cookie) presented = { token: cookie, fromCookie: true };
  }
  if (presented && presented.token.length > MAX_TOKEN_LENGTH) {
    throw new JwtMalformed(`token is ${presented.token.length} characters long; the limit is ${MAX_TOKEN_LENGTH}`);
  }
  return presented;
}

/** Cookie header without our session cookie (the token is not forwarded unless a route opts in). */
export function withoutCookie(cookieHeader: string, cookieName: string): string | undefined {
  const kept = cookieHeader
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part !== '' && cookieNameOf(part) !== cookieName);
  return kept.length > 0 ? kept.join('; ') : undefined;
}

function cookieNameOf(pair: string): string {
  const eq = pair.indexOf('=');
  return (eq === -1 ? pair : pair.slice(0, eq)).trim();
}
