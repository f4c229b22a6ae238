/**
 * The request a forward-auth call asks about, as the proxy describes it: its URI and method from the
 * headers named in `forwardAuth.uriHeader` / `methodHeader` (which the proxy sets itself, overriding the
 * client's), its origin from `X-Forwarded-Proto` / `X-Forwarded-Host`. Without a URI header no route
 * can match, so the default policy applies.
 */
import type { FastifyRequest } from 'fastify';
import { BadRequest } from '../errors.js';
import { normalizePath } from '../access/route-match.js';

export interface ForwardAuthTarget {
  method: string;
  /** Path and query as the client sent them (the return target after signing in). */
  uri: string;
  /** Normalized path, for route matching; undefined when the proxy named none (the default policy applies). */
  path: string | undefined;
  /** `scheme://host[:port]` of the original request. */
  origin: string;
}

const METHOD = /^[A-Z]{1,16}$/;
const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

function single(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  // Proxies chaining through each other append: the first entry is the client-facing one.
  return text?.split(',', 1)[0]!.trim() || undefined;
}

export function forwardAuthTarget(request: FastifyRequest, uriHeader: string, methodHeader: string): ForwardAuthTarget {
  const method = single(request.headers[methodHeader.toLowerCase()])?.toUpperCase() ?? request.method;
  if (!METHOD.test(method)) throw new BadRequest(`${methodHeader} is not an HTTP method`);
  const proto = single(request.headers['x-forwarded-proto'])?.toLowerCase();
  const host = single(request.headers['x-forwarded-host']);
  const origin = `${proto === 'https' || proto === 'http' ? proto : request.protocol}://${host && HOST.test(host) ? host : request.host}`;
  const header = request.headers[uriHeader.toLowerCase()];
  let uri = Array.isArray(header) ? header[0]! : header;
  if (uri === undefined || uri === '') return { method, uri: '/', path: undefined, origin };
  if (!uri.startsWith('/')) {
    // Some proxies send the whole URL.
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new BadRequest(`${uriHeader} must be a path or an absolute URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new BadRequest(`${uriHeader} must be a path or an absolute URL`);
    uri = `${url.pathname}${url.search}`;
  }
  if (/[\x00-\x20\x7f]/.test(uri)) throw new BadRequest(`${uriHeader} contains spaces or control characters`);
  return { method, uri, path: normalizePath(uri.split(/[?#]/, 1)[0]!), origin };
}
