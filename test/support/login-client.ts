/** A client of the gateway's login endpoints, as an app would drive them (shared by the login tests). */
import type { TokenResponse } from '../../src/auth/session-service.js';
import type { TestWallet, WalletAnswer } from './wallet.js';

export interface StartedLogin {
  login_id: string;
  status: string;
  portal_url: string;
  qr_svg: string;
  login_secret: string;
  status_url: string;
  events_url: string;
  expires_at: number;
}

export type LoginStatusBody = Record<string, any> & { status: string };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once the gateway reports at least one relay connected (`/readyz`). */
export async function waitForRelay(baseUrl: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ready = (await (await fetch(`${baseUrl}/readyz`)).json()) as { relays: Record<string, { state: string }> };
    if (Object.values(ready.relays).some((r) => r.state === 'open')) return;
    if (Date.now() > deadline) throw new Error('no relay connected');
    await sleep(25);
  }
}

/** POST /auth/login; also returns the `portal_login` cookie pair a browser would keep. */
export async function startLogin(baseUrl: string): Promise<{ body: StartedLogin; cookie: string }> {
  const response = await fetch(`${baseUrl}/auth/login`, { method: 'POST' });
  if (response.status !== 201)
    throw new Error(`POST /auth/login answered ${response.status}: ${await response.text()}`);
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith('portal_login='));
  return { body: (await response.json()) as StartedLogin, cookie: cookie?.split(';')[0] ?? '' };
}

export async function loginStatus(baseUrl: string, started: StartedLogin, headers: Record<string, string> = {}) {
  const response = await fetch(baseUrl + started.status_url, { headers });
  return { body: (await response.json()) as LoginStatusBody, response };
}

/** Poll the status until `done` says so (default: the login reached `wanted`). */
export async function waitForLogin(
  baseUrl: string,
  started: StartedLogin,
  wanted: string | ((body: LoginStatusBody) => boolean),
  headers: Record<string, string> = {},
  timeoutMs = 15_000,
) {
  const done = typeof wanted === 'string' ? (body: LoginStatusBody) => body.status === wanted : wanted;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await loginStatus(baseUrl, started, headers);
    if (done(result.body)) return result;
    if (Date.now() > deadline) throw new Error(`login ${started.login_id} stuck at ${result.body.status}`);
    await sleep(25);
  }
}

/** A complete login approved by `wallet`; resolves to the tokens the app receives. */
export async function signInWithWallet(
  baseUrl: string,
  wallet: TestWallet,
  answer: WalletAnswer = { approve: { grantedPermissions: [], sessionToken: 'opaque' } },
): Promise<TokenResponse> {
  const { body: started } = await startLogin(baseUrl);
  const walletDone = wallet.login(started.portal_url, answer);
  const { body } = await waitForLogin(baseUrl, started, (b) => b.status !== 'pending' && b.status !== 'handshake', {
    'x-login-secret': started.login_secret,
  });
  await walletDone;
  if (body.status !== 'approved' || !body.access_token) throw new Error(`login ended ${body.status}`);
  return body as unknown as TokenResponse;
}
