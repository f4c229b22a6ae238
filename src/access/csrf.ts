/**
 * CSRF protection for cookie-authenticated, state-changing requests and WebSocket handshakes (a foreign
 * page's socket would otherwise act as the user): the browser-set `Origin` (or, when
 * absent, `Sec-Fetch-Site`) must show the request comes from the gateway's own origin or an allowed one.
 * Requests with a Bearer header need no check: a foreign page cannot make a browser add one.
 */
import type { FastifyRequest } from 'fastify';
import { CsrfRejected } from '../errors.js';

export const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `ownOrigin`: the origin the request was made to; forward-auth passes the proxied request's. */
export function assertSameOrigin(
  request: FastifyRequest,
  allowedOrigins: readonly string[],
  ownOrigin = `${request.protocol}://${request.host}`,
): void {
  const origin = request.headers.origin;
  if (origin === undefined) {
    // No Origin: not a modern browser's cross-site request unless Fetch Metadata says so.
    if (request.headers['sec-fetch-site'] === 'cross-site')
      throw new CsrfRejected('cross-site request rejected (Sec-Fetch-Site: cross-site)');
    return;
  }
  if (origin !== ownOrigin && !allowedOrigins.includes(origin))
    throw new CsrfRejected(`cross-site request from ${origin.slice(0, 100)} rejected`);
}
