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
  /** A variant (`--variants`): the row it is a changed copy of, compared with it round by round. */
  base?: RowKey;
  /** Node/V8 flags of the row's processes (variants). */
  nodeArgs?: readonly string[];
  /** Gateway configuration merged over the benchmark's (variants of gateway rows). */
  config?: Readonly<Record<string, unknown>>;
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

/**
 * Extra rows from `--variants`: a JSON list of `{ "name", "like", "nodeArgs"?, "config"? }`, each a copy of
 * row `like` (any key above) started with Node flags `nodeArgs` and, for gateway rows, `config` merged
 * over the benchmark gateway's configuration.
 */
export function variantRows(json: string | undefined): RowSpec[] {
  if (json === undefined || json === '') return [];
  const fail = (why: string): never => {
    throw new Error(`--variants: ${why}`);
  };
  let list: unknown;
  try {
    list = JSON.parse(json);
  } catch (error) {
    return fail(`not JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(list)) return fail('expected a JSON list of variants');
  return list.map((item: unknown, i): RowSpec => {
    const v = (item ?? {}) as { name?: unknown; like?: unknown; nodeArgs?: unknown; config?: unknown };
    const base =
      ROWS.find((row) => row.key === v.like) ?? fail(`[${i}].like must be one of ${ROWS.map((r) => r.key).join(', ')}`);
    if (typeof v.name !== 'string' || v.name === '') fail(`[${i}].name must be a non-empty string`);
    const nodeArgs = v.nodeArgs ?? [];
    if (!Array.isArray(nodeArgs) || !nodeArgs.every((a) => typeof a === 'string'))
      fail(`[${i}].nodeArgs must be a list of strings`);
    if (v.config !== undefined && (typeof v.config !== 'object' || v.config === null || Array.isArray(v.config)))
      fail(`[${i}].config must be an object`);
    if (v.config !== undefined && base.file !== 'gateway') fail(`[${i}].config applies to gateway rows only`);
    return {
      ...base,
      name: `${ROWS.length + i + 1}. ${v.name as string}`,
      base: base.key,
      nodeArgs: nodeArgs as string[],
      ...(v.config === undefined ? {} : { config: v.config as Record<string, unknown> }),
    };
  });
}

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
      return {
        UPSTREAM_URL: upstreamUrl,
        BENCH_SERVICE_KEY: keys.serviceSecret,
        BENCH_GATEWAY_LOG: gatewayLog,
        ...(row.config ? { BENCH_GATEWAY_CONFIG: JSON.stringify(row.config) } : {}),
      };
    case 'jose-proxy':
      return { UPSTREAM_URL: upstreamUrl, BENCH_PUBLIC_JWK: JSON.stringify(keys.publicJwk) };
  }
}
