/**
 * The rows of the proxy benchmark: what each server process is and how it is loaded. Every row sends
 * `Authorization: Bearer <token>` on every request, so the load generator does the same work everywhere.
 */
import { PATH } from './load.js';
import type { BenchKeys } from './tokens.js';

export type RowKey = 'direct' | 'plain' | 'reused' | 'fresh' | 'jose' | 'forwardAuth';

/** What a row's requests ask for: a proxied path, or the gateway's forward-auth answer about it. */
export interface RequestTarget {
  path: string;
  headers: Readonly<Record<string, string>>;
  /** A 200 with an empty body (forward-auth) rather than the upstream's answer. */
  emptyAnswer: boolean;
}

const PROXIED: RequestTarget = { path: PATH, headers: {}, emptyAnswer: false };
/** As nginx's auth_request (or Caddy's forward_auth) asks about a request for PATH. */
const FORWARD_AUTH: RequestTarget = {
  path: '/auth/verify',
  headers: { 'x-forwarded-uri': PATH, 'x-forwarded-method': 'GET' },
  emptyAnswer: true,
};

export interface RowSpec {
  key: RowKey;
  name: string;
  /** `bench/proxy/<file>.ts`, started with `environment`. */
  file: 'upstream' | 'plain-proxy' | 'gateway' | 'jose-proxy';
  /** Must answer 401 without a token. */
  authenticates: boolean;
  /** A different token on every request (no cache can help); otherwise one token throughout. */
  newTokenEachRequest: boolean;
  target: RequestTarget;
}

export const ROWS: readonly RowSpec[] = [
  {
    key: 'direct',
    name: '1. upstream, direct (baseline)',
    file: 'upstream',
    authenticates: false,
    newTokenEachRequest: false,
    target: PROXIED,
  },
  {
    key: 'plain',
    name: '2. @fastify/http-proxy, no auth',
    file: 'plain-proxy',
    authenticates: false,
    newTokenEachRequest: false,
    target: PROXIED,
  },
  {
    key: 'reused',
    name: '3. gateway, one reused token',
    file: 'gateway',
    authenticates: true,
    newTokenEachRequest: false,
    target: PROXIED,
  },
  {
    key: 'fresh',
    name: '4. gateway, new token per request',
    file: 'gateway',
    authenticates: true,
    newTokenEachRequest: true,
    target: PROXIED,
  },
  {
    key: 'jose',
    name: '5. hand-built jose@5 ES256K proxy',
    file: 'jose-proxy',
    authenticates: true,
    newTokenEachRequest: true,
    target: PROXIED,
  },
  {
    key: 'forwardAuth',
    name: '6. gateway forward-auth, one reused token',
    file: 'gateway',
    authenticates: true,
    newTokenEachRequest: false,
    target: FORWARD_AUTH,
  },
];

/** Environment of a row's server process. */
export function rowEnvironment(
  row: RowSpec,
  upstreamUrl: string,
  keys: BenchKeys,
  gatewayLog: string,
): Record<string, string> {
  switch (row.file) {
    case 'upstream':
      return {};
    case 'plain-proxy':
      return { UPSTREAM_URL: upstreamUrl };
    case 'gateway':
      return { UPSTREAM_URL: upstreamUrl, BENCH_SERVICE_KEY: keys.serviceSecret, BENCH_GATEWAY_LOG: gatewayLog };
    case 'jose-proxy':
      return { UPSTREAM_URL: upstreamUrl, BENCH_PUBLIC_JWK: JSON.stringify(keys.publicJwk) };
  }
}
