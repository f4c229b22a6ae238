/**
 * Which configured route a path belongs to, by the rule the proxy routes follow: the longest prefix
 * wins, and a prefix matches only whole segments (`/apix` is not under `/api`).
 */
import type { RouteConfig } from '../config/types.js';

export type RouteMatcher = (path: string) => RouteConfig | undefined;

export function createRouteMatcher(routes: readonly RouteConfig[]): RouteMatcher {
  const longestFirst = [...routes].sort((a, b) => b.prefix.length - a.prefix.length);
  return (path) =>
    longestFirst.find((route) => route.prefix === '/' || path === route.prefix || path.startsWith(`${route.prefix}/`));
}

/**
 * The path as nginx and Caddy route it: percent-escapes decoded once, then repeated slashes merged and
 * `.` / `..` segments resolved. Matching the raw text instead would let `/public/%2e%2e/admin` pass as a
 * public path while the proxy serves `/admin`.
 */
export function normalizePath(rawPath: string): string {
  const decoded = Buffer.from(
    rawPath.replace(/%([0-9a-fA-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  ).toString('utf8');
  const segments: string[] = [];
  for (const segment of decoded.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join('/')}`;
}
