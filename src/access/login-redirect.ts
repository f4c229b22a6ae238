/**
 * Routes with `loginRedirect`: a person opening a protected page in a browser without a valid session
 * is sent to the sign-in page (302), which brings them back afterwards. API clients, and requests that
 * are not page loads, keep the JSON 401 they can act on.
 */
import type { FastifyRequest } from 'fastify';
import { AuthRequired, JwtError, TokenRevoked } from '../errors.js';

type PageRequest = Pick<FastifyRequest, 'method' | 'url' | 'headers'>;

/**
 * Only navigations can follow a redirect to an HTML page and back: a GET/HEAD whose Accept prefers
 * `text/html` (listed with a q above 0 and no other type ranked higher), as a browser's page load does.
 * An API client that merely tolerates HTML (`application/json, text/html;q=0.5`) keeps its JSON.
 */
function isPageLoad(request: PageRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const accept = request.headers.accept;
  if (typeof accept !== 'string') return false;
  let html = 0;
  let other = 0;
  for (const range of accept.split(',')) {
    const [type = '', ...params] = range.split(';');
    const q = quality(params);
    const name = type.trim().toLowerCase();
    if (name === 'text/html') html = Math.max(html, q);
    else if (name !== '' && !name.endsWith('/*')) other = Math.max(other, q);
  }
  return html > 0 && html >= other;
}

/** The `q` parameter of a media range (RFC 9110 §12.4.2), 1 when absent or unreadable. */
function quality(params: readonly string[]): number {
  for (const param of params) {
    const [key, value] = param.split('=');
    if (key?.trim().toLowerCase() !== 'q') continue;
    const q = Number(value?.trim());
    return Number.isFinite(q) && q >= 0 && q <= 1 ? q : 1;
  }
  return 1;
}

/** No session, or one that is expired, revoked or broken; a missing permission is not fixed by signing in again. */
function isSessionProblem(error: unknown): boolean {
  return error instanceof AuthRequired || error instanceof JwtError || error instanceof TokenRevoked;
}

/**
 * Where to send the browser instead of answering `error`, or undefined to answer it. `returnTo`: a full
 * URL to come back to instead of the request's path (forward-auth for a page on another origin).
 */
export function signInRedirect(
  request: PageRequest,
  error: unknown,
  signInPath: string,
  returnTo?: string,
): string | undefined {
  if (!isPageLoad(request) || !isSessionProblem(error)) return undefined;
  // A path that begins with several slashes would read as another host once used as `next`.
  const next = returnTo ?? `/${request.url.replace(/^[/\\]+/, '')}`;
  return `${signInPath}?next=${encodeURIComponent(next)}`;
}
