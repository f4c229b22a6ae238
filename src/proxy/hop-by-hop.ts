/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection, so a proxy does not pass them on: not
 * the client's to the upstream (the HTTP client refuses some outright), and not the upstream's to the
 * client (the upstream's `Connection: keep-alive` would override a client's `Connection: close`).
 */
// `host` names the gateway (the HTTP client sets the upstream's); `transfer-encoding` and
// `content-length` framing is the HTTP client's own business once the body streams through it, but a
// declared length is kept so that the upstream sees it. `proxy-authorization` is a credential for the
// proxy itself (RFC 9110 §11.7.2), never for the upstream behind it.
const REQUEST_HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'transfer-encoding',
  'host',
]);
// `transfer-encoding`: the gateway frames the answer to its client itself.
const RESPONSE_HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-connection',
  'te',
  'trailer',
  'upgrade',
  'transfer-encoding',
]);
/** What Node refuses in a header value (its own check): such a header of the upstream's is dropped. */
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** Header names a Connection header lists, other than the `keep-alive` / `close` options. */
function namedByConnection(values: readonly string[], into: Set<string>): void {
  for (const value of values) {
    for (const token of value.split(',')) {
      const name = token.trim().toLowerCase();
      if (name !== '' && name !== 'keep-alive' && name !== 'close') into.add(name);
    }
  }
}

/** Is `lowerName` a hop-by-hop header of a request, one the upstream never gets? */
export function isRequestHopByHop(lowerName: string): boolean {
  return REQUEST_HOP_BY_HOP.has(lowerName);
}

/** The headers a client's Connection header names (lower case), or undefined when it names none. */
export function connectionNamedHeaders(connection: string | string[] | undefined): Set<string> | undefined {
  if (connection === undefined || connection === 'keep-alive' || connection === 'close') return undefined;
  const named = new Set<string>();
  namedByConnection(Array.isArray(connection) ? connection : [connection], named);
  return named.size > 0 ? named : undefined;
}

/**
 * The upstream's raw header lines (name, value, name, value, … as undici hands them over) as the flat
 * list `writeHead` takes, without hop-by-hop headers, those its Connection header names, and values Node
 * would refuse; a `Location` goes through `rewriteLocation`. Bytes are kept as they came (latin1).
 */
export function responseHeaderList(raw: readonly Buffer[], rewriteLocation: (location: string) => string): string[] {
  const out: string[] = [];
  let connection: string | string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1');
    const lower = name.toLowerCase();
    const value = raw[i + 1]!.toString('latin1');
    if (lower === 'connection')
      connection =
        connection === undefined ? value : [...(Array.isArray(connection) ? connection : [connection]), value];
    if (RESPONSE_HOP_BY_HOP.has(lower) || INVALID_VALUE.test(value)) continue;
    out.push(name, lower === 'location' ? rewriteLocation(value) : value);
  }
  const named = connectionNamedHeaders(connection);
  if (named === undefined) return out;
  return out.filter((_, i, list) => !named!.has((i % 2 === 0 ? list[i]! : list[i - 1]!).toLowerCase()));
}
