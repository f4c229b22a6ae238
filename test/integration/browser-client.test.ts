/**
 * portal-gateway/client in a real browser (headless Chromium): a page signed in by the sign-in page
 * keeps its API calls working across an access-token expiry (one refresh through the httpOnly cookie),
 * and a page can sign in through the client itself with the tokens in memory only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { saveScreenshot, watchPageProblems } from '../support/browser.js';
import { startClientApp, type ClientApp } from '../support/client-app.js';
import { startSignInStack, type SignInStack } from '../support/sign-in-stack.js';
import { TestWallet } from '../support/wallet.js';

const ACCESS_TTL_SEC = 10;
let app: ClientApp;
let stack: SignInStack;

// The app's functions (test/support/client-app.ts), called in the page; strings because tests are
// type-checked without DOM types.
const callMany = async (page: Page, count: number) =>
  (await page.evaluate(`window.app.callMany(${count})`)) as { status: number; user: string | null }[];
const storage = (page: Page) =>
  page.evaluate('({ local: localStorage.length, session: sessionStorage.length, cookie: document.cookie })');

beforeAll(async () => {
  app = await startClientApp();
  // The app's pages sit behind the sign-in page; its client modules are public; /api is the echo upstream.
  stack = await startSignInStack({ tokens: { accessTtlSec: ACCESS_TTL_SEC, clockToleranceSec: 0 } }, (echoUrl) => [
    { prefix: '/app', upstream: app.url, auth: 'required', loginRedirect: true },
    { prefix: '/static', upstream: app.url, auth: 'public' },
    { prefix: '/api', upstream: echoUrl, auth: 'required' },
  ]);
});

afterAll(async () => {
  await stack?.close();
  await app?.close();
});

describe('portal-gateway/client in a browser', () => {
  it("keeps a signed-in page's API calls working across an access-token expiry, with one refresh", async () => {
    const context = await stack.browser.newContext();
    const page = await context.newPage();
    const problems = watchPageProblems(page);
    const wallet = new TestWallet();
    try {
      await page.goto(`${stack.gw.url}/app/index.html`);
      await page.waitForSelector('main[data-state="pending"]');
      await wallet.login((await page.getAttribute('#open', 'href'))!, {
        approve: { grantedPermissions: [], sessionToken: 'page' },
      });
      await page.waitForURL(`${stack.gw.url}/app/index.html`);
      await page.waitForSelector('body[data-ready="true"]');

      expect(await callMany(page, 10)).toEqual(Array(10).fill({ status: 200, user: wallet.mainKey }));

      await expect
        .poll(async () => (await context.cookies()).some((c) => c.name === 'portal_session'), {
          timeout: (ACCESS_TTL_SEC + 5) * 1000,
          interval: 250,
        })
        .toBe(false);
      const refreshes: string[] = [];
      page.on(
        'request',
        (request) => void (new URL(request.url()).pathname === '/auth/refresh' && refreshes.push(request.method())),
      );
      expect(await callMany(page, 10)).toEqual(Array(10).fill({ status: 200, user: wallet.mainKey }));
      expect(refreshes).toEqual(['POST']);
      expect(await storage(page)).toEqual({ local: 0, session: 0, cookie: '' });
      await saveScreenshot(page, 'client-app-signed-in');
      expect(problems).toEqual([]);
    } finally {
      await wallet.close();
      await context.close();
    }
  }, 45_000); // waits for the access token to expire

  it('signs a page in through the client, with the tokens in memory only', async () => {
    const context = await stack.browser.newContext();
    const page = await context.newPage();
    const wallet = new TestWallet();
    try {
      await page.goto(`${stack.gw.url}/static/login.html`);
      await page.waitForSelector('body[data-ready="true"]');
      const portalUrl = (await page.evaluate('window.app.startLogin()')) as string;
      expect(portalUrl).toMatch(/^portal:\/\//);
      await wallet.login(portalUrl, { approve: { grantedPermissions: [], sessionToken: 'memory' } });
      expect(await page.evaluate('window.app.result')).toMatchObject({ status: 'approved' });
      expect(await page.evaluate('window.app.hasAccessToken()')).toBe(true);

      expect(await callMany(page, 5)).toEqual(Array(5).fill({ status: 200, user: wallet.mainKey }));
      // No session cookie was set: the calls carried the in-memory token.
      expect((await context.cookies()).map((c) => c.name)).not.toContain('portal_session');
      expect(await storage(page)).toEqual({ local: 0, session: 0, cookie: '' });
    } finally {
      await wallet.close();
      await context.close();
    }
  });
});
