/**
 * The gateway's own endpoints, in one place. The HTTP layer registers them from here, config validation
 * checks the routes against them, and the sign-in page, the login redirect and the cookie paths take
 * their URLs from here. All of them sit under `gatewayPrefix` ('' by default, e.g. '/.portal').
 */

/** Each endpoint's path below the prefix; an endpoint with sub-paths (`/auth/login/:id`) is listed by its root. */
export const ENDPOINT_PATHS = {
  /** POST starts a login, GET is the sign-in page, `/:id` and `/:id/events` follow one. */
  login: '/auth/login',
  refresh: '/auth/refresh',
  logout: '/auth/logout',
  logoutAll: '/auth/logout-all',
  me: '/auth/me',
  /** GET lists them, DELETE `/:id` ends one. */
  sessions: '/auth/sessions',
  adminTokens: '/admin/tokens',
  adminRelays: '/admin/relays',
  healthz: '/healthz',
  readyz: '/readyz',
  metrics: '/metrics',
  discovery: '/.well-known/portal-gateway',
  /** GET/HEAD forward-auth answers for nginx, Caddy, Traefik; `/:name` applies a named policy. */
  forwardAuth: '/auth/verify',
  /** Public keys of the identity assertions (`x-portal-assertion`). */
  jwks: '/.well-known/jwks.json',
} as const;

export type EndpointName = keyof typeof ENDPOINT_PATHS;

/**
 * Where clients look for the discovery document (RFC 8615 well-known URIs live at the root). With a
 * gatewayPrefix it is served there as well, unless a route covers that path, so that a client given only
 * the gateway's URL can learn the prefix.
 */
export const ROOT_DISCOVERY_PATH = ENDPOINT_PATHS.discovery;

/** Where the discovery document is served: under the prefix, and at the root too when it is free. */
export function discoveryPaths(paths: GatewayPaths, routes: readonly { prefix: string }[]): string[] {
  const rootIsFree =
    paths.discovery !== ROOT_DISCOVERY_PATH && !routes.some((route) => pathCovers(route.prefix, ROOT_DISCOVERY_PATH));
  return rootIsFree ? [paths.discovery, ROOT_DISCOVERY_PATH] : [paths.discovery];
}

/** The endpoints' full paths for one prefix, plus the scope the refresh cookie is sent to. */
export type GatewayPaths = { readonly [K in EndpointName]: string } & {
  readonly prefix: string;
  /** Path of the refresh cookie: the session endpoints only. */
  readonly authScope: string;
};

export function gatewayPaths(prefix: string): GatewayPaths {
  const full = Object.fromEntries(
    Object.entries(ENDPOINT_PATHS).map(([name, path]) => [name, prefix + path]),
  ) as Record<EndpointName, string>;
  return { ...full, prefix, authScope: `${prefix}/auth` };
}

/** Every endpoint path (with the prefix), in a stable order. */
export function endpointPaths(paths: GatewayPaths): string[] {
  return (Object.keys(ENDPOINT_PATHS) as EndpointName[]).map((name) => paths[name]);
}

/** `outer` is `inner` or one of its ancestors: `/a` covers `/a` and `/a/b`, not `/ab`; `/` covers every path. */
export function pathCovers(outer: string, inner: string): boolean {
  return outer === '/' || inner === outer || inner.startsWith(`${outer}/`);
}

/** A gatewayPrefix: '' or segments of unreserved URL characters, none of them `.` or `..`. */
const PREFIX_SEGMENT = /^[A-Za-z0-9._~-]+$/;

/** Why `prefix` cannot be a gatewayPrefix, or undefined when it can. */
export function gatewayPrefixProblem(prefix: string): string | undefined {
  if (prefix === '') return undefined;
  const explain =
    'must be "" or a path such as "/.portal": starting with /, without a trailing /, query, fragment or spaces, made of letters, digits, ".", "_", "~" and "-"';
  if (!prefix.startsWith('/') || prefix.endsWith('/') || prefix.length > 200) return explain;
  const segments = prefix.slice(1).split('/');
  if (!segments.every((s) => PREFIX_SEGMENT.test(s))) return explain;
  if (segments.some((s) => s === '.' || s === '..')) return 'must not contain "." or ".." segments';
  return undefined;
}

interface PrefixedRoute {
  prefix: string;
}

/** Why a route cannot have `prefix` (it is a gateway endpoint or lies under one, so it could never be served), or undefined. */
export function routePrefixProblem(prefix: string, paths: GatewayPaths): string | undefined {
  const endpoint = endpointPaths(paths).find((path) => pathCovers(path, prefix));
  if (endpoint === undefined) return undefined;
  const wayOut = paths.prefix === '' ? ', or move the gateway\'s endpoints with gatewayPrefix (e.g. "/.portal")' : '';
  return `"${prefix}" ${endpoint === prefix ? 'is' : 'is under'} the gateway's own endpoint ${endpoint}; choose another prefix${wayOut}`;
}

/**
 * One warning for the routes that contain gateway endpoints (e.g. `/`, or `/admin` with /admin/tokens):
 * the gateway answers those paths itself, so the route's upstream never sees them. A route that covers
 * the whole gatewayPrefix (e.g. `/` with "/.portal") is what the prefix is for, and is not warned about.
 */
export function shadowedEndpointsWarning(routes: readonly PrefixedRoute[], paths: GatewayPaths): string | undefined {
  const endpoints = endpointPaths(paths);
  const shadowing = routes.flatMap((route, i) => {
    if (paths.prefix !== '' && route.prefix !== paths.prefix && pathCovers(route.prefix, paths.prefix)) return [];
    const shadowed = endpoints.filter((path) => path !== route.prefix && pathCovers(route.prefix, path));
    return shadowed.length > 0 ? [`routes[${i}] ("${route.prefix}"): ${shadowed.join(', ')}`] : [];
  });
  if (shadowing.length === 0) return undefined;
  const wayOut =
    paths.prefix === ''
      ? 'set gatewayPrefix (e.g. "/.portal") to move the gateway\'s endpoints out of the way'
      : `keep routes out of gatewayPrefix "${paths.prefix}", or choose another gatewayPrefix`;
  return `warning: the gateway answers these paths itself, so these routes' upstreams never see them: ${shadowing.join('; ')}. To free them, ${wayOut}.`;
}
