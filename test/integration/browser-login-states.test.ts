/**
 * The sign-in page's other outcomes in a real browser: a declined login (with the wallet's reason and
 * a retry), an expired one, relays that are down, and `next` targets that would be an open redirect,
 * refused by the server and, independently, by the page's own script. Screenshots go to test-artifacts/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Response } from 'playwright-core';
import { focusedId, saveScreenshot, watchPageProblems } from '../support/browser.js';
import { closedPort } from '../support/echo-upstream.js';
import { startGateway } from '../support/gateway.js';
import { startSignInStack, type SignInStack } from '../support/sign-in-stack.js';
import { TestWallet } from '../support/wallet.js';

const ALLOWED_ORIGIN = 'http://app.allowed.test';
let stack: SignInStack;

beforeAll(async () => {
  stack = await startSignInStack({ login: { timeoutSec: 10, allowedRedirectOrigins: [ALLOWED_ORIGIN] } });
});

afterAll(async () => {
  await stack?.close();
});

async function openPage(path: string): Promise<{ page: Page; problems: string[]; response: Response | null }> {
  const context = await stack.browser.newContext();
  const page = await context.newPage();
  const problems = watchPageProblems(page);
  const response = await page.goto(stack.gw.url + path);
  return { page, problems, response };
}

describe('outcomes', () => {
  it('shows a declined login with the wallet reason, and retry starts a new one', async () => {
    const { page, problems } = await openPage('/auth/login?next=/app/home');
    await page.waitForSelector('main[data-state="pending"]');
    const firstUrl = (await page.getAttribute('#open', 'href'))!;
    const wallet = new TestWallet();
    try {
      await wallet.login(firstUrl, { decline: { reason: 'not <b>today</b>' } });
      await page.waitForSelector('main[data-state="declined"]');
    } finally {
      await wallet.close();
    }
    expect(await page.textContent('#status')).toMatch(/declined/);
    // The reason is the wallet's text, shown as text and never as markup.
    expect(await page.textContent('#reason')).toBe('Reason given by the wallet: not <b>today</b>');
    expect(await page.locator('#reason b').count()).toBe(0);
    expect(await page.isVisible('#login')).toBe(false);
    expect(await focusedId(page)).toBe('retry');
    await saveScreenshot(page, 'sign-in-declined');

    await page.keyboard.press('Enter');
    await page.waitForSelector('main[data-state="pending"]');
    expect(await page.getAttribute('#open', 'href')).not.toBe(firstUrl);
    expect(await page.isVisible('#retry')).toBe(false);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('shows an expired login once its time is up', async () => {
    const { page, problems } = await openPage('/auth/login');
    await page.waitForSelector('main[data-state="pending"]');
    expect(await page.textContent('#countdown')).toMatch(/^Expires in 0:(10|09)$/);
    await page.waitForSelector('main[data-state="expired"]', { timeout: 20_000 });
    expect(await page.textContent('#status')).toMatch(/expired/);
    expect(await page.isVisible('#retry')).toBe(true);
    expect(await page.isVisible('#login')).toBe(false);
    await saveScreenshot(page, 'sign-in-expired');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('says clearly when the relays are down', async () => {
    const down = await startGateway({
      relays: [`ws://127.0.0.1:${await closedPort()}`],
      store: { kind: 'memory' },
      routes: [],
    });
    const context = await stack.browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${down.url}/auth/login`);
      await page.waitForSelector('main[data-state="error"]');
      expect(await page.textContent('#status')).toMatch(/relays cannot be reached/);
      expect(await page.isVisible('#retry')).toBe(true);
      expect(await page.isVisible('#qr')).toBe(false);
      await saveScreenshot(page, 'sign-in-relays-down');
    } finally {
      await context.close();
      await down.close();
    }
  });
});

describe('next', () => {
  const attacks = [
    '//evil.com',
    'https://evil.com',
    '/\\evil.com',
    '/\t/evil.com',
    'javascript:alert(1)',
    `${ALLOWED_ORIGIN}.evil.com/`,
    'http://user@app.allowed.test/',
  ];

  it.each(attacks)('refuses %j on the server: 400, an explanation, no login started', async (next) => {
    const context = await stack.browser.newContext();
    const page = await context.newPage();
    const posts: string[] = [];
    page.on('request', (request) => void (request.method() === 'POST' && posts.push(request.url())));
    const response = await page.goto(`${stack.gw.url}/auth/login?next=${encodeURIComponent(next)}`);
    expect(response!.status()).toBe(400);
    expect(await page.getAttribute('main', 'data-state')).toBe('refused');
    expect(await page.textContent('#status')).toMatch(/not valid/);
    expect(await page.getAttribute('#restart', 'href')).toBe('/auth/login');
    if (next === '//evil.com') await saveScreenshot(page, 'sign-in-refused-redirect');
    await page.waitForTimeout(300);
    expect(posts).toEqual([]);
    expect(new URL(page.url()).origin).toBe(stack.gw.url);
    await context.close();
  });

  it('is checked again by the page script: a target slipped past the server is never followed', async () => {
    const context = await stack.browser.newContext();
    const page = await context.newPage();
    // Rewrite the served page as an injection between server and browser would: the script's own check must hold.
    await page.route(
      (url) => url.pathname === '/auth/login',
      async (route) => {
        const response = await route.fetch();
        const served = await response.text();
        const html = served.replace('&#34;next&#34;:&#34;/app/home&#34;', '&#34;next&#34;:&#34;//evil.com&#34;');
        expect(html).not.toBe(served);
        await route.fulfill({ response, body: html });
      },
    );
    const posts: string[] = [];
    page.on('request', (request) => void (request.method() === 'POST' && posts.push(request.url())));
    await page.goto(`${stack.gw.url}/auth/login?next=/app/home`);
    await page.waitForSelector('main[data-state="refused"]');
    expect(posts).toEqual([]);
    await context.close();
  });

  it('sends the browser to an allow-listed origin after sign-in', async () => {
    const context = await stack.browser.newContext();
    const page = await context.newPage();
    // The allowed app is served by the browser itself: nothing leaves 127.0.0.1.
    await context.route(`${ALLOWED_ORIGIN}/**`, (route) =>
      route.fulfill({ contentType: 'text/html', body: '<title>welcome back</title><p>welcome back</p>' }),
    );
    await page.goto(`${stack.gw.url}/auth/login?next=${encodeURIComponent(`${ALLOWED_ORIGIN}/welcome?from=sign-in`)}`);
    await page.waitForSelector('main[data-state="pending"]');
    const wallet = new TestWallet();
    try {
      await wallet.login((await page.getAttribute('#open', 'href'))!, {
        approve: { grantedPermissions: [], sessionToken: 'allowed' },
      });
      await page.waitForURL(`${ALLOWED_ORIGIN}/welcome?from=sign-in`);
    } finally {
      await wallet.close();
    }
    expect(await page.title()).toBe('welcome back');
    await context.close();
  });
});
