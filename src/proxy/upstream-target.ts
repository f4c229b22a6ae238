/**
 * Where a route's requests go: the upstream's origin, and the path that replaces the route prefix. An
 * upstream may carry a base path (`http://h/base`); the forwarded path is that base path, then
 * `rewritePrefix` (default: the route prefix), then the rest of the request path. Trailing slashes on any
 * of them change nothing.
 */

export interface UpstreamTarget {
  /** `scheme://host[:port]`, what the HTTP client connects to. */
  origin: string;
  /** Replaces the route prefix in the forwarded path; `''` forwards the rest of the path at the root. */
  pathPrefix: string;
}

function withoutTrailingSlashes(path: string): string {
  return path.replace(/\/+$/, '');
}

export function upstreamTarget(route: { upstream: string; rewritePrefix: string }): UpstreamTarget {
  const url = new URL(route.upstream);
  return {
    origin: url.origin,
    pathPrefix: withoutTrailingSlashes(url.pathname) + withoutTrailingSlashes(route.rewritePrefix),
  };
}
