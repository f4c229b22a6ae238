/**
 * Wallet sign-in over HTTP with real parts: a relay process on 127.0.0.1, a test wallet built on
 * rust-nostr (independent signing and NIP-44), the gateway, and an upstream that echoes headers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, issueJwt, verifyJwt } from '../../src/index.js';
import { closedPort, type EchoReply, type EchoUpstream } from '../support/echo-upstream.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import type { RelayProcess } from '../support/relay-process.js';
import { startStack, type Stack } from '../support/stack.js';
import { TestWallet } from '../support/wallet.js';
import {
  loginStatus,
  startLogin as startLoginAt,
  waitForLogin,
  waitForRelay,
  type StartedLogin as Started,
} from '../support/login-client.js';

const service = generateKeyPair();
let relay: RelayProcess;
let upstream: EchoUpstream;
let gw: RunningGateway;
let stack: Stack<RunningGateway>;

const startLogin = async (base = gw.url) => startLoginAt(base);
const status = (started: Started, headers: Record<string, string> = {}) => loginStatus(gw.url, started, headers);
const waitForStatus = (started: Started, wanted: string, headers: Record<string, string> = {}) =>
  waitForLogin(gw.url, started, wanted, headers);

beforeAll(async () => {
  stack = await startStack(({ relay, upstream }) => ({
    serviceKey: service.secretKey,
    relays: [relay.url],
    cookie: { secure: false },
    login: { requestPermissions: ['read'] },
    routes: [{ prefix: '/api', upstream: upstream.url, auth: 'required' }],
  }));
  ({ relay, upstream, gw } = stack);
});

afterAll(() => stack?.close());

describe('POST /auth/login', () => {
  it('returns a portal:// URL naming the service key and the relays, a QR code and a secret', async () => {
    const { body, cookie } = await startLogin();
    expect(body.status).toBe('pending');
    expect(body.portal_url).toMatch(
      new RegExp(
        `^portal://${service.npub}\\?relays=${encodeURIComponent(relay.url).replace(/[.]/g, '\\.')}&token=[A-Za-z0-9_~.-]+$`,
      ),
    );
    expect(body.qr_svg).toMatch(/^<svg[^>]*>/);
    expect(body.login_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookie).toBe(`portal_login=${body.login_secret}`);
    expect(body.status_url).toBe(`/auth/login/${body.login_id}`);
    expect(body.events_url).toBe(`/auth/login/${body.login_id}/events`);
    expect(body.expires_at - Math.floor(Date.now() / 1000)).toBeGreaterThan(290);
  });

  it('answers 404 JSON for an unknown login and 400 for a malformed id', async () => {
    const unknown = await fetch(`${gw.url}/auth/login/nosuchlogin`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: 'ERR_LOGIN_NOT_FOUND', message: expect.any(String) });
    expect((await fetch(`${gw.url}/auth/login/${'%25'.repeat(3)}`)).status).toBe(400);
  });
});

describe('approve', () => {
  it('hands the tokens once, to the holder of the secret, and they pass through the proxy', async () => {
    const { body: started } = await startLogin();
    const wallet = new TestWallet();
    const walletDone = wallet.login(started.portal_url, {
      approve: { grantedPermissions: ['read', 'admin'], sessionToken: 'opaque-123' },
    });
    const stranger = await waitForStatus(started, 'approved');
    expect(stranger.body).toMatchObject({ status: 'approved', user: { target_key: wallet.mainKey }, claimed: false });
    expect(stranger.body.access_token).toBeUndefined();
    expect((await status(started, { 'x-login-secret': 'wrong' })).body.access_token).toBeUndefined();

    const { body } = await status(started, { 'x-login-secret': started.login_secret });
    expect(body).toMatchObject({ status: 'approved', token_type: 'Bearer', expires_in: 900, claimed: true });
    expect(typeof body.refresh_token).toBe('string');
    const claims = verifyJwt(service.publicKey, body.access_token);
    expect(claims.target_key).toBe(wallet.mainKey);
    expect(claims.jti).toEqual(expect.any(String));
    // The wallet granted admin too, but only what the gateway asked for ends up in the token.
    expect(claims.permissions).toEqual(['read']);
    expect(claims.exp - claims.iat!).toBe(900);

    const again = await status(started, { 'x-login-secret': started.login_secret });
    expect(again.body.access_token).toBeUndefined();
    expect(again.body.claimed).toBe(true);

    const proxied = await fetch(`${gw.url}/api/me`, { headers: { authorization: `Bearer ${body.access_token}` } });
    expect(((await proxied.json()) as EchoReply).headers['x-portal-target-key']).toBe(wallet.mainKey);
    await walletDone;
    await wallet.close();
  });

  it('sets httpOnly session cookies for a browser that follows the login by cookie', async () => {
    const { body: started, cookie } = await startLogin();
    const wallet = new TestWallet();
    const walletDone = wallet.login(started.portal_url, { approve: { grantedPermissions: [], sessionToken: 'x' } });
    const { response, body } = await waitForStatus(started, 'approved', { cookie });
    expect(body.access_token).toEqual(expect.any(String));
    const cookies = response.headers.getSetCookie();
    expect(cookies.find((c) => c.startsWith('portal_session='))).toMatch(/HttpOnly/i);
    expect(cookies.find((c) => c.startsWith('portal_session_refresh='))).toMatch(/Path=\/auth/);
    const session = cookies.find((c) => c.startsWith('portal_session='))!.split(';')[0]!;
    const proxied = await fetch(`${gw.url}/api/me`, { headers: { cookie: session } });
    expect(proxied.status).toBe(200);
    await walletDone;
    await wallet.close();
  });

  it('streams pending → handshake → approved over server-sent events, with the tokens for the secret holder', async () => {
    const { body: started } = await startLogin();
    const response = await fetch(gw.url + started.events_url, { headers: { 'x-login-secret': started.login_secret } });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const wallet = new TestWallet();
    const walletDone = wallet.login(started.portal_url, { approve: { grantedPermissions: [], sessionToken: 'y' } });
    const text = await response.text(); // the stream ends when the login does
    const events = [...text.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]!) as Record<string, unknown>);
    expect(events.map((e) => e.status)).toEqual(['pending', 'handshake', 'approved']);
    expect(verifyJwt(service.publicKey, events[2]!.access_token as string).target_key).toBe(wallet.mainKey);
    await walletDone;
    await wallet.close();
  });
});

describe('login secret in the query', () => {
  it('serves an event-stream client that cannot set headers, and keeps the secret out of the logs', async () => {
    const { body: started } = await startLogin();
    const response = await fetch(`${gw.url}${started.events_url}?login_secret=${started.login_secret}`);
    const wallet = new TestWallet();
    const walletDone = wallet.login(started.portal_url, { approve: { grantedPermissions: [], sessionToken: 'q' } });
    const text = await response.text();
    const approved = [...text.matchAll(/^data: (.*)$/gm)]
      .map((m) => JSON.parse(m[1]!) as Record<string, unknown>)
      .pop()!;
    expect(approved.status).toBe('approved');
    expect(verifyJwt(service.publicKey, approved.access_token as string).target_key).toBe(wallet.mainKey);
    await walletDone;
    await wallet.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(gw.logs.join('\n')).not.toContain(started.login_secret);
  });
});

describe('decline', () => {
  it('reports the wallet reason and gives no tokens', async () => {
    const { body: started } = await startLogin();
    const wallet = new TestWallet();
    await wallet.login(started.portal_url, { decline: { reason: 'not today' } });
    const { body } = await waitForStatus(started, 'declined', { 'x-login-secret': started.login_secret });
    expect(body).toMatchObject({ status: 'declined', reason: 'not today', user: { target_key: wallet.mainKey } });
    expect(body.access_token).toBeUndefined();
    await wallet.close();
  });
});

describe('without relays', () => {
  it('still verifies tokens, and refuses new logins with a clear error', async () => {
    const down = await startGateway({
      serviceKey: service.secretKey,
      relays: [`ws://127.0.0.1:${await closedPort()}`],
      routes: [{ prefix: '/api', upstream: upstream.url, auth: 'required' }],
    });
    try {
      const response = await fetch(`${down.url}/auth/login`, { method: 'POST' });
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({
        error: 'ERR_RELAYS_UNAVAILABLE',
        message: expect.stringContaining('no Nostr relay is connected'),
      });
      const token = issueJwt(service.secretKey, generateKeyPair().publicKey, 1);
      expect((await fetch(`${down.url}/api/x`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    } finally {
      await down.close();
    }
  });
});

describe('shutdown', () => {
  it('ends open login event streams instead of waiting for their logins', async () => {
    const other = await startGateway({ serviceKey: service.secretKey, relays: [relay.url], routes: [] });
    await waitForRelay(other.url);
    const { body: started } = await startLogin(other.url);
    const response = await fetch(other.url + started.events_url);
    const reader = response.body!.getReader();
    await reader.read(); // the first status event: the stream is open
    const began = Date.now();
    await other.close();
    expect(Date.now() - began).toBeLessThan(5000);
    for (;;) if ((await reader.read()).done) break;
  });
});
