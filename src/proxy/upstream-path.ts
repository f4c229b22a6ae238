/**
 * The path a proxied request goes to: the raw request path with the route prefix replaced by the
 * rewrite prefix, the query kept byte for byte. A path that would leave the rewrite prefix once the
 * upstream decodes and normalises it (`..` in any spelling, a backslash, an absolute or
 * protocol-relative URL) is refused, so a route never reaches more of its upstream than configured.
 *
 * The rules are those of @fastify/http-proxy, whose routing the gateway used before forwarding on its
 * own: the prefix is matched against the raw path as the router matched the decoded one, and the check
 * resolves the path against a URL. Most paths carry none of the characters those steps care about and
 * take a string comparison instead.
 */
import { BadRequest } from '../errors.js';

export interface UpstreamPathRule {
  /** Path of the rewritten request: `/<rest of the raw path>` under `rewritePrefix`, plus the raw query. */
  (rawUrl: string): string;
}

const INVALID = 'request path leaves the upstream path of its route';
const ABSOLUTE_URL = /^[a-zA-Z][a-zA-Z\d+.-]*:/;
/** What makes a rest of path need decoding, cleaning or normalising before it can be judged. */
const NEEDS_CHECKING = /[%\\\t\n\r\0]|(?:^|\/)\.\.?(?:\/|$)/;
/** A rewrite prefix of these characters is the same string once a URL parser has normalised it. */
const PLAIN_PATH = /^[A-Za-z0-9\-_~./]*$/;
/** Base the checks resolve against; only its origin matters. */
const BASE = 'http://upstream.invalid';

/**
 * The rule of one route: `routePrefix` is where the router mounted it (the configured prefix),
 * `rewritePrefix` what replaces it.
 */
export function upstreamPathRule(routePrefix: string, rewritePrefix: string): UpstreamPathRule {
  const prefixPath = new URL(rewritePrefix, BASE).pathname;
  const boundary = prefixPath.endsWith('/') ? prefixPath : `${prefixPath}/`;
  // Config paths have no dot segments, and an upstream's base path comes out of a URL parser.
  const plainPrefix = PLAIN_PATH.test(rewritePrefix) && (prefixPath === rewritePrefix || rewritePrefix === '');

  return (rawUrl) => {
    const q = rawUrl.indexOf('?');
    const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const query = q === -1 ? '' : rawUrl.slice(q);
    const prefixLength = path.startsWith(routePrefix) ? routePrefix.length : rawPrefixLength(path, routePrefix);
    const rest = prefixLength === -1 ? '' : path.slice(prefixLength);
    const dest = (prefixLength === -1 ? path : rewritePrefix + rest) || '/';
    const plain =
      plainPrefix &&
      prefixLength !== -1 &&
      (rest === '' || rest[0] === '/' || rewritePrefix.endsWith('/')) &&
      !NEEDS_CHECKING.test(rest) &&
      !dest.startsWith('//') &&
      (dest === prefixPath || dest.startsWith(boundary));
    if (!plain) checkDestination(dest, prefixPath, boundary);
    return dest + query;
  };
}

/** The full check: cleaned and decoded, no `..` segment; resolved, still under the rewrite prefix. */
function checkDestination(dest: string, prefixPath: string, boundary: string): void {
  const cleaned = dest
    .replace(/[\t\n\r\0]/g, '')
    .trimStart()
    .replaceAll('\\', '/');
  if (ABSOLUTE_URL.test(cleaned) || cleaned.startsWith('//')) throw new BadRequest(INVALID);
  let decoded: string;
  try {
    decoded = decodeURIComponent(cleaned).replaceAll('\\', '/');
  } catch {
    throw new BadRequest(INVALID);
  }
  if (decoded.split('/').includes('..')) throw new BadRequest(INVALID);
  let target: URL;
  try {
    target = new URL(dest, BASE);
  } catch {
    throw new BadRequest(INVALID);
  }
  if (target.origin !== BASE || !(target.pathname === prefixPath || target.pathname.startsWith(boundary)))
    throw new BadRequest(INVALID);
}

/**
 * Length of the raw path's part that the router matched as `prefix` after decoding it, or -1: a prefix
 * the client percent-encoded (`/%61pi` for `/api`) is still replaced, and the rest is kept as sent.
 */
function rawPrefixLength(path: string, prefix: string): number {
  if (prefix.length === 0) return 0;
  let index = 0;
  let decoded = '';
  while (index < path.length) {
    let length: number;
    let character: string;
    if (path[index] === '%') {
      // A percent-encoded UTF-8 character takes up to four triplets.
      for (length = 3; ; length += 3) {
        try {
          character = decodeURI(path.slice(index, index + length));
          break;
        } catch {
          if (length === 12 || path[index + length] !== '%') return -1;
        }
      }
    } else {
      length = path.codePointAt(index)! > 0xffff ? 2 : 1;
      character = path.slice(index, index + length);
    }
    decoded += character;
    index += length;
    if (decoded === prefix) return index;
    if (decoded.length >= prefix.length) return -1;
  }
  return -1;
}
