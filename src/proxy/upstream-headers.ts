/**
 * The upstream header policy: what the upstream receives for a proxied request. The client's headers
 * without the hop-by-hop ones, without the gateway's token (unless the route passes it on), with the
 * caller's identity and its signed assertion, and with X-Forwarded-* as the gateway saw the request.
 *
 * Built as the flat name/value list the HTTP client takes, in one pass over the parsed headers: no copy
 * of the header object to edit (this runs on every proxied request).
 */
import type { FastifyRequest } from 'fastify';
import type { AssertionSigner } from '../assertion/assertion-signer.js';
import type { RouteConfig } from '../config/types.js';
import { gatewayOrigin } from '../http/request-origin.js';
import { IDENTITY_HEADER_NAMES, identityHeaderList } from '../access/identity-headers.js';
import { isBearer, withoutCookie } from '../access/token-source.js';
import { connectionNamedHeaders, isRequestHopByHop } from './hop-by-hop.js';

export interface UpstreamHeaderOptions {
  cookieName: string;
  trustProxy: boolean;
  /** Signs `x-portal-assertion` (absent: `assertion.enabled` is false). */
  assertions?: AssertionSigner;
  /** `iss` of the assertions; default the origin the gateway was reached at. */
  publicUrl?: string;
}

/** Set by the gateway from what it saw, or extended when a proxy in front is trusted. */
const FORWARDED = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host']);

/** Headers for the upstream, as `[name, value, name, value, …]`; `audience` is the assertion's `aud`. */
export function upstreamHeaderList(
  request: FastifyRequest,
  route: Pick<RouteConfig, 'passToken'>,
  options: UpstreamHeaderOptions,
  audience: string,
): string[] {
  const headers = request.headers;
  const named = connectionNamedHeaders(headers.connection);
  const out: string[] = [];
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || isRequestHopByHop(name) || FORWARDED.has(name) || named?.has(name)) continue;
    if (!route.passToken) {
      if (name === 'authorization' && isBearer(value as string)) continue;
      if (name === 'cookie') {
        const kept = withoutCookie(value as string, options.cookieName);
        if (kept !== undefined) out.push(name, kept);
        continue;
      }
    }
    if (typeof value === 'string') out.push(name, value);
    else for (const item of value) out.push(name, item);
  }

  const peer = request.raw.socket?.remoteAddress ?? '';
  const trusted = options.trustProxy;
  const priorFor = trusted ? headers['x-forwarded-for'] : undefined;
  out.push('x-forwarded-for', priorFor ? `${String(priorFor)}, ${peer}` : peer);
  out.push('x-forwarded-proto', (trusted && (headers['x-forwarded-proto'] as string | undefined)) || request.protocol);
  const host = (trusted && (headers['x-forwarded-host'] as string | undefined)) || headers.host;
  if (host) out.push('x-forwarded-host', host);

  const identity = request.portal;
  if (identity) {
    for (const item of identityHeaderList(identity)) out.push(item);
    if (options.assertions) {
      const issuer = options.publicUrl ?? gatewayOrigin(request);
      out.push(IDENTITY_HEADER_NAMES.assertion, options.assertions.assertionFor(identity, issuer, audience).token);
    }
  }
  return out;
}
