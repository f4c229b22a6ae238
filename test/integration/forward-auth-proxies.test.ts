/**
 * The nginx and Caddy examples with the versions Debian ships (nginx 1.22, Caddy 2.6), run from
 * examples/ with only ports and paths changed, in front of an upstream that verifies
 * `x-portal-assertion` against the gateway's JWKS with jose and records what it received. Through each
 * proxy: a wallet sign-in in Chromium, a Bearer API call, a 403 for a missing permission, spoofed
 * identity headers (and Caddy's placeholder text) never reaching the upstream, path tricks sent over raw
 * sockets, and a logout taking effect.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { Browser, BrowserContext, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/index.js';
import { startAssertionUpstream, type AssertionUpstream, type ReceivedRequest } from '../support/assertion-upstream.js';
import { launchBrowser, saveScreenshot } from '../support/browser.js';
import { closedPort } from '../support/echo-upstream.js';
import {
  exampleFile,
  proxyTestsSkipped,
  startFrontProxy,
  type FrontProxy,
  type FrontProxyKind,
} from '../support/front-proxy.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { startRelayProcess, type RelayProcess } from '../support/relay-process.js';
import { waitForRelay } from '../support/login-client.js';
import { TestWallet } from '../support/wallet.js';

const SPOOFED = {
  'X-Portal-Target-Key': 'f'.repeat(64),
  'X-Portal-Npub': 'npub1spoofed',
  'X-Portal-Auth-Flow': 'spoofed-flow',
  'X-Portal-Permissions': 'admin',
  'X-Portal-Session-Id': 'spoofed-session',
  'X-Portal-Assertion': 'spoofed.assertion.value',
  'X-Portal-Anything': 'spoofed-anything',
  X_Portal_Npub: 'spoofed-underscore',
};

/** Every x-portal-* (or x_portal_*) header the upstream received. */
function identityHeaders(request: ReceivedRequest): Record<string, unknown> {
  return Object.fromEntries(Object.entries(request.headers).filter(([name]) => /^x[-_]portal[-_]/i.test(name)));
}

/** No spoofed value and no unexpanded Caddy placeholder in anything the upstream received. */
function expectNothingSpoofed(request: ReceivedRequest): void {
  const text = JSON.stringify(request.headers);
  expect(text).not.toMatch(/spoofed/);
  expect(text).not.toContain('{http.');
  expect(text).not.toContain('admin');
}

/** One HTTP/1.1 request over a raw socket (fetch would resolve dot segments); the status code. */
function rawStatus(port: number, head: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = connect(port, '127.0.0.1', () =>
      socket.write(`${head}Host: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`),
    );
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer')));
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1] ?? 0)));
  });
}

interface Stack {
  relay: RelayProcess;
  gw: RunningGateway;
  upstream: AssertionUpstream;
  proxy: FrontProxy;
  browser: Browser;
}

describe.each(['nginx', 'caddy'] as FrontProxyKind[])('the %s example', (kind) => {
  if (proxyTestsSkipped(kind)) return void it.skip(`needs ${kind}`);

  let stack: Stack;
  let context: BrowserContext;
  let wallet: TestWallet;
  let origin: string;
  let accessToken: string;

  beforeAll(async () => {
    const relay = await startRelayProcess();
    const port = await closedPort();
    origin = `http://127.0.0.1:${port}`;
    const example = JSON.parse(readFileSync(exampleFile(kind, 'gateway.json'), 'utf8')) as Record<string, unknown>;
    const gw = await startGateway({
      ...example,
      listen: { host: '127.0.0.1', port: 0 },
      publicUrl: origin,
      serviceKey: generateKeyPair().secretKey,
      relays: [relay.url],
      store: { kind: 'memory' },
      cookie: { secure: false }, // plain http on loopback
      logLevel: 'warn',
    });
    await waitForRelay(gw.url);
    const upstream = await startAssertionUpstream(`${gw.url}/.well-known/jwks.json`, {
      issuer: origin,
      audience: origin,
    });
    const proxy = await startFrontProxy(kind, {
      port,
      gatewayPort: Number(new URL(gw.url).port),
      appPort: Number(new URL(upstream.url).port),
    });
    stack = { relay, gw, upstream, proxy, browser: await launchBrowser() };
    context = await stack.browser.newContext();
    wallet = new TestWallet();
  }, 60_000);

  afterAll(async () => {
    await wallet?.close();
    await context?.close();
    await stack?.browser.close();
    await stack?.proxy.stop();
    await stack?.upstream.close();
    await stack?.gw.close();
    await stack?.relay.stop();
  });

  it('signs a wallet user in through the proxy in Chromium; the upstream gets the identity and an assertion it verifies', async () => {
    const page = await context.newPage();
    const started = page.waitForResponse(
      (r: Response) => r.url() === `${origin}/auth/login` && r.request().method() === 'POST',
    );
    await page.goto(`${origin}/app/profile?tab=keys`);
    expect(page.url()).toBe(`${origin}/auth/login?next=${encodeURIComponent('/app/profile?tab=keys')}`);
    const login = (await (await started).json()) as { portal_url: string };
    await wallet.login(login.portal_url, { approve: { grantedPermissions: [], sessionToken: 'browser' } });
    await page.waitForURL(`${origin}/app/profile?tab=keys`);
    const seen = JSON.parse((await page.textContent('body'))!) as ReceivedRequest;
    await saveScreenshot(page, `forward-auth-${kind}-signed-in`);
    expect(seen.url).toBe('/app/profile?tab=keys');
    expect(seen.assertionError).toBeUndefined();
    expect(seen.headers['x-portal-target-key']).toBe(wallet.mainKey);
    expect(seen.assertion).toMatchObject({
      iss: origin,
      aud: origin,
      sub: wallet.mainKey,
      npub: seen.headers['x-portal-npub'],
      flow: seen.headers['x-portal-auth-flow'],
    });
    expect(seen.assertion!.flow).toBe('login');
    expect(seen.assertion!.sid).toBe(seen.headers['x-portal-session-id']);
    expect(typeof seen.assertion!.sid).toBe('string');
    accessToken = (await context.cookies()).find((c) => c.name === 'portal_session')!.value;
    await page.close();
  }, 60_000);

  it('passes a Bearer API call with a verified assertion', async () => {
    const response = await fetch(`${origin}/api/data?x=1`, {
      headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
    });
    expect(response.status).toBe(200);
    const seen = (await response.json()) as ReceivedRequest;
    expect(seen.url).toBe('/api/data?x=1');
    expect(seen.assertion).toMatchObject({ sub: wallet.mainKey, aud: origin });
    expect(seen.headers['x-portal-target-key']).toBe(wallet.mainKey);
  });

  it('answers 403 for a missing permission and 401 (JSON) without a token, and the upstream never sees either', async () => {
    const before = stack.upstream.received.length;
    const denied = await fetch(`${origin}/api/admin/users`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { error: string }).error).toBe('ERR_PERMISSION_DENIED');
    const anonymous = await fetch(`${origin}/api/data`, { headers: { accept: 'application/json' } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(((await anonymous.json()) as { error: string }).error).toBe('ERR_AUTH_REQUIRED');
    expect(stack.upstream.received.length).toBe(before);
  });

  it('never lets client-sent x-portal-* headers, or placeholder text, reach the upstream', async () => {
    const signedIn = await fetch(`${origin}/api/data`, {
      headers: { ...SPOOFED, authorization: `Bearer ${accessToken}` },
    });
    expect(signedIn.status).toBe(200);
    const seen = (await signedIn.json()) as ReceivedRequest;
    expectNothingSpoofed(seen);
    expect(seen.headers['x-portal-target-key']).toBe(wallet.mainKey);
    expect(seen.assertion?.sub).toBe(wallet.mainKey);

    // Anonymous on a public path: the gateway's answer has no identity headers at all.
    const anonymous = await fetch(`${origin}/public/page`, { headers: SPOOFED });
    expect(anonymous.status).toBe(200);
    const open = (await anonymous.json()) as ReceivedRequest;
    expectNothingSpoofed(open);
    expect(identityHeaders(open)).toEqual({});
  });

  it('judges the path the proxy serves: the client cannot choose the policy by headers, query or dot segments', async () => {
    const before = stack.upstream.received.length;
    const forwarded = await fetch(`${origin}/api/data?auth=public`, {
      headers: { 'X-Forwarded-Uri': '/public/x', 'X-Forwarded-Method': 'GET', accept: 'application/json' },
    });
    expect(forwarded.status).toBe(401);
    for (const target of ['/public/../api/data', '/public/%2e%2e/api/data', '/public/..%2Fapi/data', '//api/data']) {
      const status = await rawStatus(
        Number(new URL(origin).port),
        `GET ${target} HTTP/1.1\r\nAccept: application/json\r\n`,
      );
      expect(status, target).toBe(401);
    }
    expect(stack.upstream.received.length).toBe(before);
  });

  it('sends a browser without a session to the sign-in page, and a logout takes effect at once', async () => {
    const page = await fetch(`${origin}/app/other`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe(`/auth/login?next=${encodeURIComponent('/app/other')}`);

    const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    expect((await fetch(`${origin}/app/profile`, { headers: { cookie } })).status).toBe(200);
    const logout = await fetch(`${origin}/auth/logout`, { method: 'POST', headers: { cookie, origin } });
    expect(logout.status).toBeLessThan(300);

    const before = stack.upstream.received.length;
    const afterCookie = await fetch(`${origin}/app/profile`, {
      headers: { cookie, accept: 'text/html' },
      redirect: 'manual',
    });
    expect(afterCookie.status).toBe(302);
    const afterBearer = await fetch(`${origin}/api/data`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(afterBearer.status).toBe(401);
    expect(((await afterBearer.json()) as { error: string }).error).toBe('ERR_TOKEN_REVOKED');
    expect(stack.upstream.received.length).toBe(before);
  });
});
