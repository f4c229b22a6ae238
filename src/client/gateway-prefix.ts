/**
 * Where the gateway's own endpoints are. They sit under the gateway's `gatewayPrefix` ('' or e.g.
 * '/.portal'): given as an option, or read once from the discovery document at the root
 * (`gateway_prefix`). The paths below the prefix are the gateway's own (src/gateway-endpoints.ts); the
 * client imports nothing from the gateway, so it keeps the few it calls, and a test keeps them equal.
 */

export const CLIENT_ENDPOINTS = {
  login: '/auth/login',
  refresh: '/auth/refresh',
  logout: '/auth/logout',
  discovery: '/.well-known/portal-gateway',
} as const;

/** The shape the gateway accepts for gatewayPrefix; anything else from a server is not used. */
const PREFIX = /^(\/[A-Za-z0-9._~-]+)*$/;

export function isGatewayPrefix(value: unknown): value is string {
  return typeof value === 'string' && PREFIX.test(value) && !/\/\.\.?(\/|$)/.test(value);
}

/**
 * The prefix, discovered at most once. A gateway without a discovery document at the root (an older
 * one, or a route owns that path) is taken to have no prefix; a failed request is tried again next time.
 */
export function gatewayPrefixFinder(
  fetchImpl: typeof fetch,
  base: string,
  given: string | undefined,
): () => Promise<string> {
  if (given !== undefined) {
    if (!isGatewayPrefix(given))
      throw new TypeError(
        `portal client: gatewayPrefix "${String(given).slice(0, 100)}" must be '' or a path such as '/.portal'`,
      );
    return () => Promise.resolve(given);
  }
  let found: Promise<string> | undefined;
  return () => {
    found ??= discover(fetchImpl, base).catch((error: unknown) => {
      found = undefined;
      throw error;
    });
    return found;
  };
}

async function discover(fetchImpl: typeof fetch, base: string): Promise<string> {
  const response = await fetchImpl(base + CLIENT_ENDPOINTS.discovery, {
    credentials: 'omit',
    headers: { accept: 'application/json' },
  });
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    // A struggling gateway is asked again next time; any other answer means there is no document.
    if (response.status >= 500) throw new Error(`the discovery document answered HTTP ${response.status}`);
    return '';
  }
  const document = (await response.json().catch(() => undefined)) as { gateway_prefix?: unknown } | undefined;
  return isGatewayPrefix(document?.gateway_prefix) ? document.gateway_prefix : '';
}
