/** Sessions over HTTP with a real gateway (SQLite store) and a real upstream. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getToken } from 'nostr-tools/nip98';
import { finalizeEvent } from 'nostr-tools/pure';
import { generateKeyPair, verifyJwt } from '../../src/index.js';
import type { TokenResponse } from '../../src/auth/session-service.js';
import { startEchoUpstream, type EchoReply, type EchoUpstream } from '../support/echo-upstream.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';

const service = generateKeyPair();
const adminKey = generateKeyPair();
const ADMIN_SECRET = 'correct horse battery staple';
let upstream: EchoUpstream;
let gw: RunningGateway;

async function post(path: string, init: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(gw.url + path, {
    method: 'POST',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

async function get(path: string, token?: string) {
  const response = await fetch(gw.url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: response.status, body: (await response.json()) as any };
}

const signIn = (userKey: string) =>
  gw.gateway.auth.tokens.startSession(userKey, [], { userAgent: 'test-agent', clientIp: '127.0.0.1' });

beforeAll(async () => {
  upstream = await startEchoUpstream();
  gw = await startGateway({
    serviceKey: service.secretKey,
    relays: [],
    cookie: { secure: false },
    admin: { secret: ADMIN_SECRET, pubkeys: [adminKey.npub] },
    routes: [{ prefix: '/api', upstream: upstream.url, auth: 'required' }],
  });
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

describe('refresh', () => {
  it('rotates, and a reused refresh token revokes the whole family', async () => {
    const user = generateKeyPair();
    const first = await signIn(user.publicKey);
    const second = await post('/auth/refresh', { body: { refresh_token: first.refresh_token } });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 900,
      refresh_token: expect.any(String),
      access_token: expect.any(String),
    });
    expect(second.body.refresh_token).not.toBe(first.refresh_token);
    expect(verifyJwt(service.publicKey, second.body.access_token).target_key).toBe(user.publicKey);

    const reuse = await post('/auth/refresh', { body: { refresh_token: first.refresh_token } });
    expect(reuse.status).toBe(401);
    expect(reuse.body.error).toBe('ERR_REFRESH_TOKEN_REUSED');
    // The family is revoked at once: access tokens already issued for it stop working too.
    expect((await get('/api/x', second.body.access_token)).body.error).toBe('ERR_TOKEN_REVOKED');
    expect((await get('/api/x', first.access_token)).body.error).toBe('ERR_TOKEN_REVOKED');
    const afterReuse = await post('/auth/refresh', { body: { refresh_token: second.body.refresh_token } });
    expect(afterReuse.status).toBe(401);
    expect(afterReuse.body.error).toBe('ERR_REFRESH_TOKEN_INVALID');
  });

  it('lets exactly one of many concurrent refreshes of one token win', async () => {
    const session = await signIn(generateKeyPair().publicKey);
    const results = await Promise.all(
      Array.from({ length: 12 }, () => post('/auth/refresh', { body: { refresh_token: session.refresh_token } })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 401)).toHaveLength(11);
  });

  it('rejects missing, malformed and unknown refresh tokens with 401/400 JSON', async () => {
    expect((await post('/auth/refresh', { body: {} })).body.error).toBe('ERR_REFRESH_TOKEN_INVALID');
    expect((await post('/auth/refresh', { body: { refresh_token: 42 } })).status).toBe(400);
    expect((await post('/auth/refresh', { body: { refresh_token: 'nope' } })).body.error).toBe(
      'ERR_REFRESH_TOKEN_INVALID',
    );
    const broken = await fetch(`${gw.url}/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"refresh_token":',
    });
    expect(broken.status).toBe(400);
  });

  it('rotates through the refresh cookie and re-sets both cookies', async () => {
    const session = await signIn(generateKeyPair().publicKey);
    const response = await fetch(`${gw.url}/auth/refresh`, {
      method: 'POST',
      headers: { cookie: `portal_session_refresh=${session.refresh_token}` },
    });
    expect(response.status).toBe(200);
    const cookies = response.headers.getSetCookie();
    expect(cookies.some((c) => c.startsWith('portal_session=') && /HttpOnly/i.test(c))).toBe(true);
    expect(cookies.some((c) => c.startsWith('portal_session_refresh=') && /Path=\/auth/.test(c))).toBe(true);
    const foreign = await fetch(`${gw.url}/auth/refresh`, {
      method: 'POST',
      headers: {
        cookie: `portal_session_refresh=${((await response.json()) as TokenResponse).refresh_token}`,
        origin: 'https://evil.example',
      },
    });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { error: string }).error).toBe('ERR_CSRF');
  });
});

describe('logout', () => {
  it('revokes the presented access token and every other one of its session at once, and ends the session', async () => {
    const user = generateKeyPair().publicKey;
    const session = await signIn(user);
    const refreshed = await post('/auth/refresh', { body: { refresh_token: session.refresh_token } });
    const otherSession = await signIn(user);
    expect((await get('/api/x', session.access_token)).status).toBe(200);
    const out = await post('/auth/logout', { token: session.access_token });
    expect(out.status).toBe(200);
    const after = await get('/api/x', session.access_token);
    expect(after.status).toBe(401);
    expect(after.body.error).toBe('ERR_TOKEN_REVOKED');
    expect((await get('/api/x', refreshed.body.access_token)).body.error).toBe('ERR_TOKEN_REVOKED');
    expect((await get('/api/x', otherSession.access_token)).status).toBe(200);
    expect((await post('/auth/refresh', { body: { refresh_token: refreshed.body.refresh_token } })).status).toBe(401);
    expect((await post('/auth/refresh', { body: { refresh_token: session.refresh_token } })).status).toBe(401);
  });

  it('logout-all kills every token of the user issued before it, and a new sign-in works right away', async () => {
    const user = generateKeyPair();
    const a = await signIn(user.publicKey);
    const b = await signIn(user.publicKey);
    const other = await signIn(generateKeyPair().publicKey);
    const out = await post('/auth/logout-all', { token: a.access_token });
    expect(out.body).toMatchObject({ status: 'logged_out_everywhere', sessions_revoked: 2 });
    for (const s of [a, b]) {
      expect((await get('/api/x', s.access_token)).body.error).toBe('ERR_TOKEN_REVOKED');
      expect((await post('/auth/refresh', { body: { refresh_token: s.refresh_token } })).status).toBe(401);
    }
    expect((await get('/api/x', other.access_token)).status).toBe(200);
    const again = await signIn(user.publicKey);
    expect((await get('/api/x', again.access_token)).status).toBe(200);
  });

  it('refuses a cookie-authenticated logout from a foreign origin', async () => {
    const session = await signIn(generateKeyPair().publicKey);
    const foreign = await post('/auth/logout', {
      headers: { cookie: `portal_session=${session.access_token}`, origin: 'https://evil.example' },
    });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error).toBe('ERR_CSRF');
    expect((await get('/api/x', session.access_token)).status).toBe(200);
    const own = await post('/auth/logout', {
      headers: { cookie: `portal_session=${session.access_token}`, origin: gw.url },
    });
    expect(own.status).toBe(200);
  });
});

describe('me and sessions', () => {
  it('shows the identity and lets a user end one of their sessions, not someone else’s', async () => {
    const user = generateKeyPair();
    const a = await signIn(user.publicKey);
    const b = await signIn(user.publicKey);
    const me = await get('/auth/me', a.access_token);
    expect(me.body).toMatchObject({
      target_key: user.publicKey,
      npub: user.npub,
      auth_flow: 'login',
      session: { id: a.session_id, current: true },
    });
    const list = await get('/auth/sessions', a.access_token);
    expect(list.body.sessions.map((s: { id: string }) => s.id).sort()).toEqual([a.session_id, b.session_id].sort());
    expect(list.body.sessions[0]).toMatchObject({ user_agent: 'test-agent', client_ip: '127.0.0.1' });

    const stranger = await signIn(generateKeyPair().publicKey);
    const denied = await fetch(`${gw.url}/auth/sessions/${a.session_id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${stranger.access_token}` },
    });
    expect(denied.status).toBe(404);
    const ended = await fetch(`${gw.url}/auth/sessions/${b.session_id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${a.access_token}` },
    });
    expect(ended.status).toBe(204);
    expect((await get('/api/x', b.access_token)).body.error).toBe('ERR_TOKEN_REVOKED');
    expect((await get('/api/x', a.access_token)).status).toBe(200);
    expect((await post('/auth/refresh', { body: { refresh_token: b.refresh_token } })).status).toBe(401);
    expect((await get('/auth/sessions', a.access_token)).body.sessions).toHaveLength(1);
    expect((await get('/auth/me')).status).toBe(401);
  });
});

describe('service tokens', () => {
  const target = generateKeyPair();

  it('needs an admin credential', async () => {
    const none = await post('/admin/tokens', { body: { target_key: target.npub, duration_hours: 1 } });
    expect(none.status).toBe(401);
    const wrong = await post('/admin/tokens', {
      body: { target_key: target.npub, duration_hours: 1 },
      headers: { authorization: 'Bearer wrong secret value!!' },
    });
    expect(wrong.status).toBe(403);
  });

  it('issues a flow-A token with permissions for the holder of the admin secret, without logging it', async () => {
    const issued = await post('/admin/tokens', {
      body: { target_key: target.npub, duration_hours: 2, permissions: ['reports:read'] },
      headers: { authorization: `Bearer ${ADMIN_SECRET}` },
    });
    expect(issued.status).toBe(200);
    const claims = verifyJwt(service.publicKey, issued.body.token);
    expect(claims).toMatchObject({ target_key: target.publicKey, permissions: ['reports:read'] });
    expect(claims.exp - claims.iat!).toBe(7200);
    const proxied = await fetch(`${gw.url}/api/report`, { headers: { authorization: `Bearer ${issued.body.token}` } });
    expect(((await proxied.json()) as EchoReply).headers['x-portal-permissions']).toBe('reports:read');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(gw.logs.some((line) => line.includes('service token issued'))).toBe(true);
    expect(gw.logs.join('\n')).not.toContain(issued.body.token);
    expect(gw.logs.join('\n')).not.toContain(ADMIN_SECRET);
  });

  it('accepts a NIP-98 request signed by an admin key, once', async () => {
    const url = `${gw.url}/admin/tokens`;
    const body = { target_key: target.publicKey, duration_hours: 1 };
    const header = await getToken(
      url,
      'POST',
      (e) => finalizeEvent(e, Buffer.from(adminKey.secretKey, 'hex')),
      true,
      body,
    );
    const signed = await post('/admin/tokens', { body, headers: { authorization: header } });
    expect(signed.status).toBe(200);
    const replay = await post('/admin/tokens', { body, headers: { authorization: header } });
    expect(replay.status).toBe(403);
    const strangerHeader = await getToken(
      url,
      'POST',
      (e) => finalizeEvent(e, Buffer.from(generateKeyPair().secretKey, 'hex')),
      true,
      body,
    );
    expect((await post('/admin/tokens', { body, headers: { authorization: strangerHeader } })).status).toBe(403);
  });

  it('validates the request body', async () => {
    const headers = { authorization: `Bearer ${ADMIN_SECRET}` };
    expect((await post('/admin/tokens', { body: { target_key: 'zz', duration_hours: 1 }, headers })).body.error).toBe(
      'ERR_KEY_INVALID',
    );
    expect(
      (await post('/admin/tokens', { body: { target_key: target.npub, duration_hours: -1 }, headers })).body.error,
    ).toBe('ERR_BAD_REQUEST');
    expect(
      (
        await post('/admin/tokens', {
          body: { target_key: target.npub, duration_hours: 1, permissions: 'admin' },
          headers,
        })
      ).status,
    ).toBe(400);
  });

  it('publishes the service key in /.well-known/portal-gateway', async () => {
    expect((await get('/.well-known/portal-gateway')).body).toEqual({
      service_pubkey: service.publicKey,
      service_npub: service.npub,
      trusted_issuers: [],
      relays: [],
      algorithms: ['ES256K'],
      gateway_prefix: '',
    });
  });
});

describe('rate limits', () => {
  it('answers 429 JSON with Retry-After past the limit', async () => {
    const limited = await startGateway({
      serviceKey: service.secretKey,
      relays: [],
      rateLimit: { max: 3, windowSec: 60 },
      routes: [],
    });
    try {
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 4; i++) {
        last = await fetch(`${limited.url}/auth/refresh`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"refresh_token":"x"}',
        });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([401, 401, 401, 429]);
      expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await last!.json()).toEqual({
        error: 'ERR_RATE_LIMITED',
        message: expect.stringContaining('too many requests'),
      });
    } finally {
      await limited.close();
    }
  });
});
