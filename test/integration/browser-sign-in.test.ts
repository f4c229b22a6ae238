/**
 * The sign-in page in a real browser (headless Chromium): it renders with a strict CSP, its QR code
 * decodes to the exact portal:// URL, a wallet approval lands the browser on the protected page with
 * the session cookie, a reload after the access token expired stays signed in through a refresh, and
 * signing out ends the session. Screenshots of each state go to test-artifacts/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page, Response } from 'playwright-core';
import type { EchoReply } from '../support/echo-upstream.js';
import { focusedId, saveScreenshot, watchPageProblems } from '../support/browser.js';
import { decodeQrPng } from '../support/qr.js';
import { SERVICE_NAME, startSignInStack, type SignInStack } from '../support/sign-in-stack.js';
import { TestWallet } from '../support/wallet.js';

const ACCESS_TTL_SEC = 10;
let stack: SignInStack;

beforeAll(async () => {
  stack = await startSignInStack({ tokens: { accessTtlSec: ACCESS_TTL_SEC, clockToleranceSec: 0 } });
});

afterAll(async () => {
  await stack?.close();
});

/**
 * Every value `main[data-state]` takes, recorded from before the page's own script runs and kept on
 * the Node side, so the record survives the page navigating away.
 */
async function recordStates(page: Page): Promise<string[]> {
  const states: string[] = [];
  await page.exposeFunction(
    '__recordState',
    (state: string) => void (states[states.length - 1] !== state && states.push(state)),
  );
  // Runs in the page (tests are type-checked without DOM types, hence a string).
  await page.addInitScript(`
    new MutationObserver(() => {
      const state = document.getElementById('signin')?.getAttribute('data-state');
      if (state) window.__recordState(state);
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state'], childList: true });
  `);
  return states;
}

async function loginStarted(
  page: Page,
  navigate: () => Promise<unknown>,
): Promise<{ portal_url: string; login_id: string }> {
  const started = page.waitForResponse(
    (r: Response) => r.url().endsWith('/auth/login') && r.request().method() === 'POST',
  );
  await navigate();
  const response = await started;
  expect(response.status()).toBe(201);
  return (await response.json()) as { portal_url: string; login_id: string };
}

describe('the sign-in page', () => {
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  let states: string[];
  let wallet: TestWallet;

  beforeAll(async () => {
    context = await stack.browser.newContext();
    page = await context.newPage();
    states = await recordStates(page);
    problems = watchPageProblems(page);
    wallet = new TestWallet();
  });

  afterAll(async () => {
    await wallet.close();
    await context.close();
  });

  it('is where a browser without a session is sent, and shows the service, a QR code that decodes to the portal:// URL, and a countdown', async () => {
    let pageResponse: Response | null = null;
    const started = await loginStarted(
      page,
      async () => (pageResponse = await page.goto(`${stack.gw.url}/app/profile?tab=keys`)),
    );
    expect(page.url()).toBe(`${stack.gw.url}/auth/login?next=${encodeURIComponent('/app/profile?tab=keys')}`);
    const csp = (pageResponse as Response | null)!.headers()['content-security-policy']!;
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/]+=*'(;|$)/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(csp).toMatch(/frame-ancestors 'none'/);

    await page.waitForSelector('main[data-state="pending"]');
    expect(await page.textContent('h1')).toBe(SERVICE_NAME);
    expect(await page.title()).toBe(`Sign in · ${SERVICE_NAME}`);
    expect(await page.getAttribute('#open', 'href')).toBe(started.portal_url);
    expect(await page.textContent('#countdown')).toMatch(/^Expires in [45]:\d\d$/);

    const qrPng = await page.locator('#qr').screenshot();
    expect(decodeQrPng(qrPng)).toBe(started.portal_url);

    // Accessible: the status is announced, the QR code is labelled, and the keyboard reaches the link.
    expect(await page.getAttribute('#status', 'role')).toBe('status');
    expect(await page.getAttribute('#status', 'aria-live')).toBe('polite');
    expect(await page.getAttribute('#qr', 'aria-label')).toMatch(/QR code/);
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('open');
    await saveScreenshot(page, 'sign-in-pending');
    expect(problems).toEqual([]);
  });

  it('loads without a single failed request: no favicon 404, no CSP violation for its icon', async () => {
    const fresh = await stack.browser.newContext();
    try {
      const page = await fresh.newPage();
      // The browser's own favicon request is not reported as a response, but its 404 (or a CSP block
      // of an icon) shows on the console.
      const errors: string[] = [];
      page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
      await page.goto(`${stack.gw.url}/auth/login`);
      await page.waitForSelector('main[data-state="pending"]');
      await page.waitForTimeout(1000); // the icon is looked for after the load
      expect(errors).toEqual([]);
    } finally {
      await fresh.close();
    }
  });

  it('fits a phone screen without sideways scrolling', async () => {
    const phone = await stack.browser.newContext({
      viewport: { width: 360, height: 740 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    try {
      const small = await phone.newPage();
      await small.goto(`${stack.gw.url}/auth/login`);
      await small.waitForSelector('main[data-state="pending"]');
      const widths = (await small.evaluate(
        `({ page: document.documentElement.scrollWidth, qr: document.getElementById('qr').getBoundingClientRect().width })`,
      )) as {
        page: number;
        qr: number;
      };
      expect(widths.page).toBeLessThanOrEqual(360);
      expect(widths.qr).toBeGreaterThan(200);
      const qrPng = await small.locator('#qr').screenshot();
      expect(decodeQrPng(qrPng)).toBe(await small.getAttribute('#open', 'href'));
      await saveScreenshot(small, 'sign-in-phone');
    } finally {
      await phone.close();
    }
  });

  it('follows the wallet approval and lands on the protected page with httpOnly session cookies', async () => {
    const portalUrl = (await page.getAttribute('#open', 'href'))!;
    await wallet.login(portalUrl, { approve: { grantedPermissions: [], sessionToken: 'browser' } });
    await page.waitForURL(`${stack.gw.url}/app/profile?tab=keys`);
    const echo = JSON.parse((await page.textContent('body'))!) as EchoReply;
    expect(echo.url).toBe('/app/profile?tab=keys');
    expect(echo.headers['x-portal-target-key']).toBe(wallet.mainKey);

    expect(states.filter((s) => s !== 'handshake')).toEqual(['loading', 'pending', 'approved', 'redirecting']);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'portal_session');
    const refresh = cookies.find((c) => c.name === 'portal_session_refresh');
    expect(session).toMatchObject({ httpOnly: true, path: '/' });
    expect(refresh).toMatchObject({ httpOnly: true, path: '/auth' });
    expect(cookies.find((c) => c.name === 'portal_login')).toBeUndefined();
    // Page scripts never see the tokens.
    expect(await page.evaluate('document.cookie')).toBe('');
    await saveScreenshot(page, 'signed-in-protected-page');
  });

  it('stays signed in across a reload after the access token expired, through one refresh and no new login', async () => {
    // The access cookie lives as long as the token: wait until the browser has dropped it.
    await expect
      .poll(async () => (await context.cookies()).some((c) => c.name === 'portal_session'), {
        timeout: (ACCESS_TTL_SEC + 5) * 1000,
        interval: 250,
      })
      .toBe(false);
    const requests: string[] = [];
    page.on('request', (request) => requests.push(`${request.method()} ${new URL(request.url()).pathname}`));
    await page.reload();
    await page.waitForURL(`${stack.gw.url}/app/profile?tab=keys`);
    const echo = JSON.parse((await page.textContent('body'))!) as EchoReply;
    expect(echo.headers['x-portal-target-key']).toBe(wallet.mainKey);
    expect(requests.filter((r) => r === 'POST /auth/refresh')).toHaveLength(1);
    expect(requests.filter((r) => r === 'POST /auth/login')).toHaveLength(0);
    expect((await context.cookies()).some((c) => c.name === 'portal_session')).toBe(true);
  }, 45_000); // waits for the access token to expire

  it('shows who is signed in on the sign-in page itself, and signing out ends the session', async () => {
    await page.goto(`${stack.gw.url}/auth/login`);
    await page.waitForSelector('main[data-state="signed-in"]');
    const accessToken = (await context.cookies()).find((c) => c.name === 'portal_session')!.value;
    const npub = (await import('../../src/index.js')).toNpub(wallet.mainKey);
    expect(await page.textContent('#who')).toBe(npub);
    await saveScreenshot(page, 'signed-in');

    await page.click('#signout');
    await page.waitForSelector('main[data-state="signed-out"]');
    await saveScreenshot(page, 'signed-out');
    const names = (await context.cookies()).map((c) => c.name);
    expect(names).not.toContain('portal_session');
    expect(names).not.toContain('portal_session_refresh');
    // The old access token is revoked on the gateway, not only forgotten by the browser.
    const replay = await fetch(`${stack.gw.url}/api/x`, { headers: { cookie: `portal_session=${accessToken}` } });
    expect(replay.status).toBe(401);

    await page.goto(`${stack.gw.url}/app/profile`);
    await page.waitForSelector('main[data-state="pending"]');
    expect(new URL(page.url()).pathname).toBe('/auth/login');
    expect(problems).toEqual([]);
  });
});
