/**
 * Routes with `loginRedirect`: a person opening a protected page in a browser without a valid session
 * is sent to the sign-in page (302), which brings them back afterwards. API clients, and requests that
 * are not page loads, keep the JSON 401 they can act on.
 */
import type { FastifyRequest } from 'fastify';
import { AuthRequired, JwtError, TokenRevoked } from '../errors.js';

type PageRequest = Pick<FastifyRequest, 'method' | 'url' | 'headers'>;

/** Only navigations can follow a redirect to an HTML page and back. */
function isPageLoad(request: PageRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const accept = request.headers.accept;
  return typeof accept === 'string' && /(^|[,\s])text\/html\s*(;|,|$)/i.test(accept);
}

/** No session, or one that is expired, revoked or broken; a missing permission is not fixed by signing in again. */
function isSessionProblem(error: unknown): boolean {
  return error instanceof AuthRequired || error instanceof JwtError || error instanceof TokenRevoked;
}

/**
 * Where to send the browser instead of answering `error`, or undefined to answer it. `returnTo`: a full
 * URL to come back to instead of the request's path (forward-auth for a page on another origin).
 */
export function signInRedirect(request: PageRequest, error: unknown, signInPath: string, returnTo?: string): string | undefined {
  if (!isPageLoad(request) || !isSessionProblem(error)) return undefined;
  // A path that begins with several slashes would read as another host once used as `next`.
  const next = returnTo ?? `/${request.url.replace(/^[/\\]+/, '')}`;
  return `${signInPath}?next=${encodeURIComponent(next)}`;
}
