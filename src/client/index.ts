/**
 * `portal-gateway/client`: sign in with a Nostr wallet through a portal-gateway and call the APIs
 * behind it, in browsers and in Node 20 (global fetch). No dependencies.
 *
 *   const client = createPortalClient({ baseUrl: 'https://api.example.com', onSignOut: () => showSignIn() });
 *   const login = await client.startLogin();      // show login.qrSvg or link to login.portalUrl
 *   if ((await login.result).status === 'approved') await client.fetch('/api/profile');
 */
import { CLIENT_ENDPOINTS, gatewayPrefixFinder } from './gateway-prefix.js';
import { followLogin, type LoginHandle } from './login-follow.js';
import { TokenSession } from './session.js';
import type { LoginResult, PendingLogin, PortalClient, PortalClientOptions, StartLoginOptions } from './types.js';

export type * from './types.js';

interface StartedLogin extends LoginHandle {
  portal_url: string;
  qr_svg: string;
  expires_at: number;
}

/** Thrown when the gateway answers with an error instead of doing what was asked. */
export class PortalClientError extends Error {
  constructor(
    message: string,
    /** HTTP status, 0 when the gateway could not be reached. */
    readonly status: number,
    /** The gateway's error code, e.g. `ERR_RELAYS_UNAVAILABLE`. */
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'PortalClientError';
  }
}

/** A body that can be sent a second time (a stream cannot be replayed). */
function isReplayable(body: unknown): boolean {
  return body === undefined || body === null || typeof (body as { getReader?: unknown }).getReader !== 'function';
}

export function createPortalClient(options: PortalClientOptions): PortalClient {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const base = options.baseUrl.replace(/\/+$/, '');
  const credentials = options.credentials ?? 'same-origin';
  const pollIntervalMs = options.pollIntervalMs ?? 1000;

  /** Only paths on the gateway: the access token must never be sent anywhere else. */
  function url(path: string): string {
    if (!path.startsWith('/') || path.startsWith('//'))
      throw new TypeError(`portal client: "${path.slice(0, 100)}" is not a path on the gateway`);
    return base + path;
  }

  const gatewayPrefix = gatewayPrefixFinder(fetchImpl, base, options.gatewayPrefix);
  /** A gateway endpoint's URL: below the gateway's prefix. */
  const endpoint = async (path: string) => url((await gatewayPrefix()) + path);

  const session = new TokenSession({
    fetch: fetchImpl,
    endpoint,
    credentials,
    ...(options.onSignOut ? { onSignOut: options.onSignOut } : {}),
  });

  function send(path: string, init: RequestInit, token: string | undefined): Promise<Response> {
    const headers = new Headers(init.headers);
    if (token && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
    return fetchImpl(url(path), { credentials, ...init, headers });
  }

  async function startLogin(start: StartLoginOptions = {}): Promise<PendingLogin> {
    let response: Response;
    try {
      response = await fetchImpl(await endpoint(CLIENT_ENDPOINTS.login), {
        method: 'POST',
        credentials,
        headers: { accept: 'application/json' },
      });
    } catch (error) {
      throw new PortalClientError(`the gateway cannot be reached: ${(error as Error).message}`, 0, undefined);
    }
    const body = (await response.json().catch(() => ({}))) as Partial<StartedLogin> & {
      error?: string;
      message?: string;
    };
    if (response.status !== 201 || typeof body.portal_url !== 'string') {
      throw new PortalClientError(
        body.message ?? `the login could not start (HTTP ${response.status})`,
        response.status,
        body.error,
      );
    }
    const login = body as StartedLogin;
    const abort = new AbortController();
    const result = followLogin(
      {
        fetch: fetchImpl,
        url,
        credentials,
        pollIntervalMs,
        signal: abort.signal,
        poll: start.poll === true,
        ...(start.onStatus ? { onStatus: start.onStatus } : {}),
      },
      login,
    ).then((final): LoginResult => {
      if (final.status === 'declined')
        return {
          status: 'declined',
          ...(final.reason ? { reason: final.reason } : {}),
          ...(final.user ? { user: final.user } : {}),
        };
      if (final.status !== 'approved') return { status: 'expired' };
      if (typeof final.access_token !== 'string')
        throw new PortalClientError('the login was approved but its tokens were already handed out', 409, undefined);
      session.signedIn(final.access_token, final.refresh_token);
      return { status: 'approved', ...(final.user ? { user: final.user } : {}) };
    });
    return {
      loginId: login.login_id,
      portalUrl: login.portal_url,
      qrSvg: login.qr_svg,
      expiresAt: login.expires_at,
      result,
      cancel: () => abort.abort(new PortalClientError('the login was cancelled', 0, undefined)),
    };
  }

  async function authorizedFetch(path: string, init: RequestInit = {}): Promise<Response> {
    const generation = session.generation;
    const first = await send(path, init, session.access);
    if (first.status !== 401 || !isReplayable(init.body)) return first;
    // Another request may have refreshed while this one was on its way: then just retry.
    const fresh = session.generation !== generation || (await session.refresh());
    if (!fresh) return first;
    await first.body?.cancel().catch(() => undefined);
    return send(path, init, session.access);
  }

  return {
    startLogin,
    fetch: authorizedFetch,
    refresh: () => session.refresh(),
    async logout() {
      try {
        const response = await authorizedFetch((await gatewayPrefix()) + CLIENT_ENDPOINTS.logout, {
          method: 'POST',
          headers: { accept: 'application/json' },
        });
        await response.body?.cancel().catch(() => undefined);
      } finally {
        session.end('logout');
      }
    },
    get hasAccessToken() {
      return session.access !== undefined;
    },
  };
}
