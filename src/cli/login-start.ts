/**
 * The first call of a terminal login: POST /auth/login on the gateway (under the gatewayPrefix its
 * discovery document names). What comes back is checked before use; the gateway's own errors are passed
 * on with its code, made safe to print.
 */
import { gatewayPrefixFinder } from '../client/gateway-prefix.js';
import type { LoginHandle } from '../client/login-follow.js';
import { GatewayCallFailed } from '../errors.js';
import { ENDPOINT_PATHS } from '../gateway-endpoints.js';
import { printable } from './printable.js';

export interface StartedLogin extends LoginHandle {
  portal_url: string;
  /** Unix seconds. */
  expires_at: number;
}

/** `base`: the gateway's URL without its prefix, which the status and event URLs it answers include. */
export type StartAnswer =
  { ok: true; login: StartedLogin; base: string } | { ok: false; code: string; message: string };

const ERROR_CODE = /^ERR_[A-Z0-9_]{1,40}$/;
const START_TIMEOUT_MS = 30_000;

function isStartedLogin(body: unknown): body is StartedLogin {
  const b = body as Record<string, unknown> | null;
  return (
    typeof b === 'object' &&
    b !== null &&
    typeof b.portal_url === 'string' &&
    b.portal_url.startsWith('portal://') &&
    typeof b.login_id === 'string' &&
    typeof b.login_secret === 'string' &&
    typeof b.status_url === 'string' &&
    b.status_url.startsWith('/') &&
    typeof b.events_url === 'string' &&
    b.events_url.startsWith('/') &&
    typeof b.expires_at === 'number'
  );
}

export async function startGatewayLogin(url: string): Promise<StartAnswer> {
  let base = url;
  let response: Response;
  let body: unknown;
  let loginPath: string;
  try {
    const timed: typeof fetch = (input, init) =>
      fetch(input, { ...init, signal: AbortSignal.timeout(START_TIMEOUT_MS) });
    const prefix = await gatewayPrefixFinder(timed, url, undefined)();
    // A URL that already ends with the prefix (https://gw/.portal) names the same gateway.
    if (prefix !== '' && url.endsWith(prefix)) base = url.slice(0, -prefix.length);
    loginPath = prefix + ENDPOINT_PATHS.login;
    response = await timed(base + loginPath, { method: 'POST', headers: { accept: 'application/json' } });
    body = await response.json();
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    throw new GatewayCallFailed(`cannot start a login at ${url} (${printable(String(cause), 80)})`);
  }
  if (response.status === 201 && isStartedLogin(body)) return { ok: true, login: body, base };
  const { error, message } = (body ?? {}) as { error?: unknown; message?: unknown };
  if (typeof error === 'string' && ERROR_CODE.test(error) && typeof message === 'string') {
    return { ok: false, code: error, message: printable(message, 300) };
  }
  throw new GatewayCallFailed(
    `${url} did not answer POST ${loginPath} as a portal-gateway does (HTTP ${response.status})`,
  );
}
