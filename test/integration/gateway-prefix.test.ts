/**
 * `gatewayPrefix: "/.portal"`: every endpoint of the gateway moves under it, and what signs people in
 * follows. All real: a relay process, the echo upstream, a web app using portal-gateway/client, headless
 * Chromium, the rust-nostr test wallet, and the built `portal-gateway login` in a child process.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Page, Response as PageResponse } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPortalClient } from '../../src/client/index.js';
import { verifyJwt } from '../../src/index.js';
import { saveScreenshot, watchPageProblems } from '../support/browser.js';
import { startClientApp, type ClientApp } from '../support/client-app.js';
import type { EchoReply } from '../support/echo-upstream.js';
import { startSignInStack, type SignInStack } from '../support/sign-in-stack.js';
import { TestWallet } from '../support/wallet.js';

const PREFIX = '/.portal';
const ACCESS_TTL_SEC = 10;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let app: ClientApp;
let stack: SignInStack;

// The app's functions (test/support/client-app.ts), called in the page.
const callMany = async (page: Page, count: number) =>
  (await page.evaluate(`window.app.callMany(${count})`)) as { status: number; user: string | null }[];

beforeAll(async () => {
  app = await startClientApp();
  stack = await startSignInStack(
    { gatewayPrefix: PREFIX, tokens: { accessTtlSec: ACCESS_TTL_SEC, clockToleranceSec: 0 } },
    (echoUrl) => [
      { prefix: '/app', upstream: app.url, auth: 'required', loginRedirect: true },
      { prefix: '/static', upstream: app.url, auth: 'public' },
      { prefix: '/api', upstream: echoUrl, auth: 'required' },
      // The paths the endpoints left are the upstream's now.
      { prefix: '/auth', upstream: echoUrl, auth: 'public' },
    ],
  );
});

afterAll(async () => {
  await stack?.close();
  await app?.close();
});

describe('the endpoints under the prefix', () => {
  it('serves /.portal/healthz, /.portal/readyz and /.portal/metrics', async () => {
    const health = await fetch(`${stack.gw.url}${PREFIX}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
    expect((await fetch(`${stack.gw.url}${PREFIX}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${stack.gw.url}${PREFIX}/metrics`)).text()).toContain('portal_gateway_');
  });

  it('publishes the prefix in the discovery document, under the prefix and at the root', async () => {
    const prefixed = (await (await fetch(`${stack.gw.url}${PREFIX}/.well-known/portal-gateway`)).json()) as Record<
      string,
      unknown
    >;
    expect(prefixed).toMatchObject({
      service_npub: stack.gw.gateway.serviceKey.npub,
      gateway_prefix: PREFIX,
      relays: [stack.relay.url],
    });
    expect(await (await fetch(`${stack.gw.url}/.well-known/portal-gateway`)).json()).toEqual(prefixed);
  });

  it('no longer serves the old paths: a route there gets them, elsewhere they are not found', async () => {
    const page = await fetch(`${stack.gw.url}/auth/login`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(((await page.json()) as EchoReply).url).toBe('/auth/login');
    const start = await fetch(`${stack.gw.url}/auth/login`, { method: 'POST' });
    expect(((await start.json()) as EchoReply).method).toBe('POST');
    for (const path of ['/healthz', '/metrics', '/admin/tokens']) {
      const response = await fetch(`${stack.gw.url}${path}`);
      expect([path, response.status, ((await response.json()) as { error: string }).error]).toEqual([
        path,
        404,
        'ERR_ROUTE_NOT_FOUND',
      ]);
    }
  });

  it('answers a login start with status and event URLs under the prefix, and scopes the login cookie to it', async () => {
    const response = await fetch(`${stack.gw.url}${PREFIX}/auth/login`, { method: 'POST' });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { login_id: string; status_url: string; events_url: string };
    expect(body.status_url).toBe(`${PREFIX}/auth/login/${body.login_id}`);
    expect(body.events_url).toBe(`${PREFIX}/auth/login/${body.login_id}/events`);
    expect(response.headers.get('set-cookie')).toMatch(
      new RegExp(`^portal_login=[^;]+;.*Path=${PREFIX.replace('.', '\\.')}/auth/login;`),
    );
    expect((await fetch(`${stack.gw.url}${body.status_url}`)).status).toBe(200);
  });
});

describe('a wallet sign-in through the sign-in page', () => {
  it('redirects to /.portal/auth/login, signs in, keeps the page working past expiry with one refresh, and signs out', async () => {
    const context = await stack.browser.newContext();
    const page = await context.newPage();
    const problems = watchPageProblems(page);
    const wallet = new TestWallet();
    try {
      const started = page.waitForResponse(
        (r: PageResponse) => r.url() === `${stack.gw.url}${PREFIX}/auth/login` && r.request().method() === 'POST',
      );
      await page.goto(`${stack.gw.url}/app/index.html`);
      expect(page.url()).toBe(`${stack.gw.url}${PREFIX}/auth/login?next=${encodeURIComponent('/app/index.html')}`);
      expect((await started).status()).toBe(201);
      await page.waitForSelector('main[data-state="pending"]');
      await wallet.login((await page.getAttribute('#open', 'href'))!, {
        approve: { grantedPermissions: [], sessionToken: 'prefixed-page' },
      });
      await page.waitForURL(`${stack.gw.url}/app/index.html`);
      await page.waitForSelector('body[data-ready="true"]');

      const cookies = await context.cookies();
      expect(cookies.find((c) => c.name === 'portal_session')).toMatchObject({ httpOnly: true, path: '/' });
      expect(cookies.find((c) => c.name === 'portal_session_refresh')).toMatchObject({
        httpOnly: true,
        path: `${PREFIX}/auth`,
      });
      expect(cookies.find((c) => c.name === 'portal_login')).toBeUndefined();
      expect(await callMany(page, 3)).toEqual(Array(3).fill({ status: 200, user: wallet.mainKey }));

      // The client in the page found the prefix itself and refreshes through the cookie scoped to it.
      await expect
        .poll(async () => (await context.cookies()).some((c) => c.name === 'portal_session'), {
          timeout: (ACCESS_TTL_SEC + 5) * 1000,
          interval: 250,
        })
        .toBe(false);
      const requests: string[] = [];
      page.on('request', (request) => requests.push(`${request.method()} ${new URL(request.url()).pathname}`));
      expect(await callMany(page, 5)).toEqual(Array(5).fill({ status: 200, user: wallet.mainKey }));
      expect(requests.filter((r) => r.endsWith('/auth/refresh'))).toEqual([`POST ${PREFIX}/auth/refresh`]);

      // The sign-in page itself: signed in (refresh and /auth/me under the prefix), then signing out.
      await page.goto(`${stack.gw.url}${PREFIX}/auth/login`);
      await page.waitForSelector('main[data-state="signed-in"]');
      expect(await page.textContent('#who')).toMatch(/^npub1/);
      await saveScreenshot(page, 'prefixed-signed-in');
      await page.click('#signout');
      await page.waitForSelector('main[data-state="signed-out"]');
      expect((await context.cookies()).map((c) => c.name)).not.toContain('portal_session_refresh');
      expect(requests).toContain(`POST ${PREFIX}/auth/logout`);
      expect(requests.filter((r) => / \/auth\//.test(r))).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await wallet.close();
      await context.close();
    }
  }, 60_000); // waits for the access token to expire
});

describe('a wallet sign-in through portal-gateway/client', () => {
  it('signs a browser page in, the client having found the prefix in the discovery document', async () => {
    const context = await stack.browser.newContext();
    const page = await context.newPage();
    const wallet = new TestWallet();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(`${request.method()} ${new URL(request.url()).pathname}`));
    try {
      await page.goto(`${stack.gw.url}/static/login.html`);
      await page.waitForSelector('body[data-ready="true"]');
      const portalUrl = (await page.evaluate('window.app.startLogin()')) as string;
      await wallet.login(portalUrl, { approve: { grantedPermissions: [], sessionToken: 'prefixed-client' } });
      expect(await page.evaluate('window.app.result')).toMatchObject({ status: 'approved' });
      expect(await callMany(page, 2)).toEqual(Array(2).fill({ status: 200, user: wallet.mainKey }));
      expect(requests).toContain('GET /.well-known/portal-gateway');
      expect(requests).toContain(`POST ${PREFIX}/auth/login`);
    } finally {
      await wallet.close();
      await context.close();
    }
  });

  it('signs Node in, with the prefix discovered or given, and logs out', async () => {
    for (const options of [{}, { gatewayPrefix: PREFIX }]) {
      const asked: string[] = [];
      const client = createPortalClient({
        baseUrl: stack.gw.url,
        ...options,
        fetch: (input, init) => (asked.push(new URL(String(input)).pathname), fetch(input, init)),
      });
      const login = await client.startLogin();
      const wallet = new TestWallet();
      try {
        await wallet.login(login.portalUrl, { approve: { grantedPermissions: [], sessionToken: 'node' } });
        expect(await login.result).toMatchObject({ status: 'approved', user: { target_key: wallet.mainKey } });
        const echo = (await (await client.fetch('/api/profile')).json()) as EchoReply;
        expect(echo.headers['x-portal-target-key']).toBe(wallet.mainKey);
        expect(await client.refresh()).toBe(true);
        await client.logout();
      } finally {
        await wallet.close();
      }
      expect(asked.filter((path) => path.startsWith('/.well-known'))).toHaveLength('gatewayPrefix' in options ? 0 : 1);
      expect(asked).toEqual(
        expect.arrayContaining([`${PREFIX}/auth/login`, `${PREFIX}/auth/refresh`, `${PREFIX}/auth/logout`]),
      );
      expect(asked.filter((path) => path.startsWith('/auth/'))).toEqual([]);
    }
  });
});

describe('portal-gateway login --url', () => {
  /** The built program signs in at `url`; resolves to the access token it prints. */
  async function terminalLogin(url: string): Promise<{ token: string; user: string }> {
    const child = spawn(process.execPath, ['dist/cli.js', 'login', '--url', url, '--json'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    const portalUrl = new Promise<string>((resolve, reject) => {
      child.stderr.setEncoding('utf8').on('data', (text: string) => {
        stderr += text;
        const found = /^portal:\/\/\S+$/m.exec(stderr)?.[0];
        if (found && stderr.includes('\nlogin: ')) resolve(found);
      });
      child.once('exit', () => reject(new Error(`login exited early: ${stderr}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    const wallet = new TestWallet();
    try {
      await wallet.login(await portalUrl, { approve: { grantedPermissions: [], sessionToken: 'terminal' } });
    } finally {
      await wallet.close();
    }
    expect(await exited, stderr).toBe(0);
    return { token: (JSON.parse(stdout) as { access_token: string }).access_token, user: wallet.mainKey };
  }

  it('finds the prefix and signs in from the terminal, given the gateway URL with or without the prefix', async () => {
    for (const url of [stack.gw.url, `${stack.gw.url}${PREFIX}`]) {
      const { token, user } = await terminalLogin(url);
      expect(verifyJwt(stack.gw.gateway.serviceKey.publicKey, token).target_key, url).toBe(user);
    }
  }, 40_000);
});
