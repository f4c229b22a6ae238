/**
 * GET /auth/login over HTTP, and `loginRedirect` routes: browsers without a valid session are sent to
 * the sign-in page, API clients keep their JSON 401, and a missing permission stays a 403.
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthRequired, generateKeyPair, issueJwt } from '../../src/index.js';
import { signInRedirect } from '../../src/access/login-redirect.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
const service = generateKeyPair();
let upstream: EchoUpstream;
let gw: RunningGateway;

beforeAll(async () => {
  upstream = await startEchoUpstream();
  gw = await startGateway({
    serviceName: '<Acme & "Co">',
    serviceKey: service.secretKey,
    store: { kind: 'memory' },
    relays: [],
    routes: [
      { prefix: '/app', upstream: upstream.url, auth: 'required', loginRedirect: true },
      { prefix: '/admin-app', upstream: upstream.url, auth: 'required', permissions: ['admin'], loginRedirect: true },
      { prefix: '/api', upstream: upstream.url, auth: 'required' },
    ],
  });
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(gw.url + path, { headers, redirect: 'manual' });

describe('GET /auth/login', () => {
  it('serves a self-contained page whose only script and style are allowed by hash', async () => {
    const response = await get('/auth/login');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    const html = await response.text();
    const sha = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain(`script-src ${sha(script)};`);
    expect(csp).toContain(`style-src ${sha(style)};`);
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toMatch(/\s(src|href)="(https?:)?\/\//); // no external assets
  });

  it('escapes the service name', async () => {
    const html = await (await get('/auth/login')).text();
    expect(html).toContain('<h1 id="title">&#60;Acme &#38; &#34;Co&#34;&#62;</h1>');
    expect(html).not.toContain('<Acme');
  });

  it('tells the page whether a refresh cookie came along, without revealing it', async () => {
    const withCookie = await (
      await get('/auth/login', { cookie: 'portal_session_refresh=secret-refresh-value' })
    ).text();
    expect(withCookie).toContain('&#34;hasRefreshCookie&#34;:true');
    expect(withCookie).not.toContain('secret-refresh-value');
    expect(await (await get('/auth/login')).text()).toContain('&#34;hasRefreshCookie&#34;:false');
  });

  it('answers 400 with no script for a refused next, or a repeated one', async () => {
    for (const query of ['next=%2F%2Fevil.com', 'next=https%3A%2F%2Fevil.com', 'next=%2Fa&next=%2Fb']) {
      const response = await get(`/auth/login?${query}`);
      expect(response.status).toBe(400);
      const html = await response.text();
      expect(html).toContain('data-state="refused"');
      expect(html).not.toContain('<script');
    }
  });
});

describe('loginRedirect', () => {
  it('sends a browser without a session to the sign-in page, with the original path and query', async () => {
    const response = await get('/app/orders?page=2&sort=date', { accept: BROWSER_ACCEPT });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(
      `/auth/login?next=${encodeURIComponent('/app/orders?page=2&sort=date')}`,
    );
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('does the same for an invalid or expired session cookie', async () => {
    const expired = issueJwt(service.secretKey, generateKeyPair().publicKey, 1, {
      now: Math.floor(Date.now() / 1000) - 7200,
    });
    for (const token of ['not-a-token', expired]) {
      const response = await get('/app/x', { accept: BROWSER_ACCEPT, cookie: `portal_session=${token}` });
      expect(response.status).toBe(302);
    }
  });

  it('keeps the JSON 401 for API clients, non-GET requests and routes without loginRedirect', async () => {
    const cases: [string, RequestInit][] = [
      ['/app/x', { headers: { accept: 'application/json' } }],
      ['/app/x', {}],
      ['/app/x', { method: 'POST', headers: { accept: BROWSER_ACCEPT } }],
      ['/api/x', { headers: { accept: BROWSER_ACCEPT } }],
    ];
    for (const [path, init] of cases) {
      const response = await fetch(gw.url + path, { ...init, redirect: 'manual' });
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: string }).error).toBe('ERR_AUTH_REQUIRED');
    }
  });

  it('passes a signed-in browser through, and keeps 403 for a missing permission', async () => {
    const token = issueJwt(service.secretKey, generateKeyPair().publicKey, 1);
    const ok = await get('/app/x', { accept: BROWSER_ACCEPT, cookie: `portal_session=${token}` });
    expect(ok.status).toBe(200);
    const denied = await get('/admin-app/x', { accept: BROWSER_ACCEPT, cookie: `portal_session=${token}` });
    expect(denied.status).toBe(403);
  });

  it('never builds a next that reads as another host', () => {
    const request = {
      method: 'GET',
      headers: { accept: 'text/html' },
      url: '//evil.com/x?y=1',
    } as unknown as FastifyRequest;
    expect(signInRedirect(request, new AuthRequired(), '/auth/login')).toBe(
      `/auth/login?next=${encodeURIComponent('/evil.com/x?y=1')}`,
    );
    const backslashes = { ...request, url: '/\\\\evil.com' } as unknown as FastifyRequest;
    expect(signInRedirect(backslashes, new AuthRequired(), '/auth/login')).toBe(
      `/auth/login?next=${encodeURIComponent('/evil.com')}`,
    );
  });
});
