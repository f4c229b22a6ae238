/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection, so a proxy does not pass them on: not
 * the client's to the upstream (the HTTP client refuses some outright), and not the upstream's to the
 * client (the upstream's `Connection: keep-alive` would override a client's `Connection: close`).
 */
type Headers = Record<string, string | string[] | undefined>;

// `connection` itself, and the headers it names, are dropped by the proxy before these run.
const REQUEST_HOP_BY_HOP = ['keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'expect'] as const;
// `transfer-encoding` is already dropped by the proxy (the gateway frames the body itself).
const RESPONSE_HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-authenticate', 'proxy-connection', 'te', 'trailer', 'upgrade'] as const;

/** Drop the client's hop-by-hop headers from the proxy's copy of the request headers, in place. */
export function dropRequestHopByHop(headers: Headers): void {
  // Undefined rather than delete: the HTTP client skips it, and the object keeps its shape (hot path).
  for (const name of REQUEST_HOP_BY_HOP) if (headers[name] !== undefined) headers[name] = undefined;
}

/** Drop the upstream's hop-by-hop headers, and those its Connection header names, in place. */
export function dropResponseHopByHop<T extends Headers>(headers: T): T {
  const connection = headers.connection;
  // Node upstreams send `keep-alive` (or `close`), which names no header: no need to split it.
  if (connection !== undefined && connection !== 'keep-alive' && connection !== 'close') {
    for (const value of Array.isArray(connection) ? connection : [connection]) {
      for (const token of value.split(',')) delete headers[token.trim().toLowerCase()];
    }
  }
  // Delete, because every key left is copied to the client, undefined values as empty headers.
  for (const name of RESPONSE_HOP_BY_HOP) if (headers[name] !== undefined) delete headers[name];
  return headers;
}
