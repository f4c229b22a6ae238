/**
 * Forward-auth answers (GET/HEAD /auth/verify and /auth/verify/<name>) through Fastify's inject: the
 * policy comes from the configured routes or the name in the path and never from the query, the
 * identity headers and assertion of an allowed request, 401/403/302 refusals, the CSRF rule for
 * cookie-authenticated state changes, and Cache-Control.
 */
import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AssertionKeys } from '../../src/assertion/assertion-keys.js';
import { AssertionSigner } from '../../src/assertion/assertion-signer.js';
import { validateConfig } from '../../src/config/validate.js';
import { installErrorHandlers } from '../../src/http/error-handler.js';
import { registerForwardAuthRoutes } from '../../src/routes/forward-auth-routes.js';
import { RequestAuthenticator, TokenVerifier, generateKeyPair, issueJwt, portalAuth } from '../../src/index.js';

const service = generateKeyPair();
const user = generateKeyPair();
const revokedJtis = new Set<string>();
const keys = new AssertionKeys({ enabled: true, alg: 'ES256', ttlSec: 60 }, '', { ephemeral: true });
let app: FastifyInstance;

function buildConfig(extra: Record<string, unknown> = {}) {
  return validateConfig({
    routes: [
      { prefix: '/app', auth: 'required', loginRedirect: true },
      { prefix: '/api', upstream: 'http://127.0.0.1:9', auth: 'required', assertion: { audience: 'urn:api' } },
      { prefix: '/api/admin', auth: 'required', permissions: ['admin'] },
      { prefix: '/public', auth: 'public' },
      { prefix: '/maybe', auth: 'optional' },
    ],
    forwardAuth: {
      policies: { web: { auth: 'required', loginRedirect: true }, open: { auth: 'public' } },
      cacheSec: 30,
    },
    ...extra,
  });
}

async function buildApp(extra: Record<string, unknown> = {}): Promise<FastifyInstance> {
  const config = buildConfig(extra);
  const built = Fastify({ logger: { level: 'error' } });
  installErrorHandlers(built);
  // As in the gateway, where the sign-in routes register it (the token source parses cookies with it).
  await built.register(cookie);
  const authenticator = new RequestAuthenticator({
    verifier: new TokenVerifier({ issuers: [service.publicKey] }),
    revocations: { isRevoked: (claims) => typeof claims.jti === 'string' && revokedJtis.has(claims.jti) },
  });
  // As in the gateway: forward-auth decides about the original request, not this one.
  await built.register(portalAuth, { authenticator, defaultPolicy: { auth: 'public' } });
  registerForwardAuthRoutes(built, '/auth/verify', {
    config: config.forwardAuth,
    routes: config.routes,
    authenticator,
    cookieName: 'portal_session',
    allowedOrigins: ['https://partner.example'],
    assertions: new AssertionSigner(() => keys.current(), 60),
    publicUrl: config.publicUrl,
    signInPath: '/auth/login',
  });
  return built;
}

beforeAll(async () => {
  app = await buildApp();
});

afterAll(async () => {
  await app.close();
});

const token = (claims: Record<string, unknown> = {}) =>
  issueJwt(service.secretKey, user.publicKey, 1, { extraClaims: claims });
const asked = (uri: string, headers: Record<string, string> = {}) => ({
  'x-forwarded-uri': uri,
  'x-forwarded-host': 'app.example',
  'x-forwarded-proto': 'https',
  ...headers,
});

describe('GET /auth/verify', () => {
  it('allows a valid Bearer token with 200, an empty body, the identity headers and an assertion for the original origin', async () => {
    const response = await app.inject({
      url: '/auth/verify',
      headers: asked('/app/page', { authorization: `Bearer ${token({ permissions: ['read'], sid: 's-1' })}` }),
    });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('');
    expect(response.headers).toMatchObject({
      'x-portal-target-key': user.publicKey,
      'x-portal-auth-flow': 'login',
      'x-portal-session-id': 's-1',
      'x-portal-permissions': 'read',
    });
    expect(response.headers['x-portal-npub']).toMatch(/^npub1/);
    const { payload } = await jwtVerify(
      response.headers['x-portal-assertion'] as string,
      createLocalJWKSet({ keys: keys.published() }),
      { audience: 'https://app.example' },
    );
    expect(payload).toMatchObject({
      sub: user.publicKey,
      flow: 'login',
      sid: 's-1',
      permissions: ['read'],
      iss: 'http://localhost:80',
    });
  });

  it('reads the session cookie as proxied routes do, and uses the route assertion.audience when set', async () => {
    const response = await app.inject({
      url: '/auth/verify',
      headers: asked('/api/x', { cookie: `other=1; portal_session=${token()}` }),
    });
    expect(response.statusCode).toBe(200);
    await jwtVerify(response.headers['x-portal-assertion'] as string, createLocalJWKSet({ keys: keys.published() }), {
      audience: 'urn:api',
    });
  });

  it('matches the normalized path, so dot segments and escapes cannot reach a weaker route', async () => {
    for (const uri of [
      '/public/../api/admin/x',
      '/public/%2e%2e/api/admin',
      '/public%2F..%2Fapi%2Fadmin',
      '//api//admin',
    ]) {
      const response = await app.inject({
        url: '/auth/verify',
        headers: asked(uri, { authorization: `Bearer ${token()}` }),
      });
      expect(response.statusCode, uri).toBe(403);
    }
  });

  it('refuses without a token (401 JSON with WWW-Authenticate), with a bad one, and without a permission (403)', async () => {
    const missing = await app.inject({ url: '/auth/verify', headers: asked('/api/x') });
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toMatchObject({ error: 'ERR_AUTH_REQUIRED' });
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer realm="portal-gateway", error="invalid_token"/);
    expect(missing.headers['x-portal-npub']).toBeUndefined();
    const bad = await app.inject({ url: '/auth/verify', headers: asked('/api/x', { authorization: 'Bearer nope' }) });
    expect(bad.json().error).toBe('ERR_JWT_MALFORMED');
    const denied = await app.inject({
      url: '/auth/verify',
      headers: asked('/api/admin/users', { authorization: `Bearer ${token()}` }),
    });
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toEqual({ error: 'ERR_PERMISSION_DENIED', message: 'missing permission: admin' });
    expect(denied.headers['x-portal-target-key']).toBeUndefined();
  });

  it('refuses a revoked token (a logout takes effect on the next check)', async () => {
    const jti = `logout-${Math.random()}`;
    const tokenOfSession = token({ jti });
    expect(
      (
        await app.inject({
          url: '/auth/verify',
          headers: asked('/api/x', { authorization: `Bearer ${tokenOfSession}` }),
        })
      ).statusCode,
    ).toBe(200);
    revokedJtis.add(jti);
    const after = await app.inject({
      url: '/auth/verify',
      headers: asked('/api/x', { authorization: `Bearer ${tokenOfSession}` }),
    });
    expect(after.statusCode).toBe(401);
    expect(after.json().error).toBe('ERR_TOKEN_REVOKED');
  });

  it('answers public and anonymous-optional requests 200 without identity headers', async () => {
    for (const uri of ['/public/x', '/maybe/x']) {
      const response = await app.inject({ url: '/auth/verify', headers: asked(uri) });
      expect(response.statusCode, uri).toBe(200);
      expect(
        Object.keys(response.headers).filter((name) => name.startsWith('x-portal-')),
        uri,
      ).toEqual([]);
    }
  });

  it('applies forwardAuth.defaultPolicy when no route matches or the proxy names no URI', async () => {
    expect((await app.inject({ url: '/auth/verify', headers: asked('/elsewhere') })).statusCode).toBe(401);
    expect((await app.inject({ url: '/auth/verify' })).statusCode).toBe(401);
    const lenient = await buildApp({ forwardAuth: { defaultPolicy: { auth: 'optional' } } });
    expect((await lenient.inject({ url: '/auth/verify', headers: asked('/elsewhere') })).statusCode).toBe(200);
    // A route still wins over the default policy.
    expect((await lenient.inject({ url: '/auth/verify', headers: asked('/api/x') })).statusCode).toBe(401);
    await lenient.close();
  });

  it('never lets the query string choose or relax the policy', async () => {
    for (const url of [
      '/auth/verify?auth=public',
      '/auth/verify?policy=open&auth=public&uri=/public/x',
      '/auth/verify/web?auth=public&policy=open',
    ]) {
      const response = await app.inject({ url, headers: asked('/api/x?auth=public') });
      expect(response.statusCode, url).toBe(401);
    }
  });

  it('sends a browser loading a loginRedirect page to the sign-in page with the original URL, and keeps JSON for API clients', async () => {
    const page = await app.inject({
      url: '/auth/verify',
      headers: asked('/app/profile?tab=keys', { accept: 'text/html,application/xhtml+xml' }),
    });
    expect(page.statusCode).toBe(302);
    expect(page.headers.location).toBe(`/auth/login?next=${encodeURIComponent('/app/profile?tab=keys')}`);
    expect(page.headers['cache-control']).toBe('no-store');
    const api = await app.inject({
      url: '/auth/verify',
      headers: asked('/app/profile', { accept: 'application/json' }),
    });
    expect(api.statusCode).toBe(401);
    const post = await app.inject({
      url: '/auth/verify',
      headers: asked('/app/profile', { accept: 'text/html', 'x-forwarded-method': 'POST' }),
    });
    expect(post.statusCode).toBe(401);
    // A leading "//" in the original URI must not become a return target on another host.
    const slashes = await app.inject({
      url: '/auth/verify',
      headers: asked('//evil.example/app', { accept: 'text/html' }),
    });
    expect(slashes.statusCode).toBe(401); // "//evil.example/app" is the path /evil.example/app: no route, default policy
  });

  it('redirects to the gateway at publicUrl, with the full original URL, when the page is on another origin', async () => {
    const split = await buildApp({ publicUrl: 'https://auth.example' });
    const page = await split.inject({ url: '/auth/verify', headers: asked('/app/p?q=1', { accept: 'text/html' }) });
    expect(page.statusCode).toBe(302);
    expect(page.headers.location).toBe(
      `https://auth.example/auth/login?next=${encodeURIComponent('https://app.example/app/p?q=1')}`,
    );
    await split.close();
  });

  it('rejects a cookie-authenticated state change from a foreign Origin with 403 ERR_CSRF, as when proxying', async () => {
    const cookie = `portal_session=${token()}`;
    const foreign = await app.inject({
      url: '/auth/verify',
      headers: asked('/api/x', { cookie, 'x-forwarded-method': 'POST', origin: 'https://evil.example' }),
    });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json().error).toBe('ERR_CSRF');
    const crossSite = await app.inject({
      url: '/auth/verify',
      headers: asked('/api/x', { cookie, 'x-forwarded-method': 'DELETE', 'sec-fetch-site': 'cross-site' }),
    });
    expect(crossSite.json().error).toBe('ERR_CSRF');
    const own = await app.inject({
      url: '/auth/verify',
      headers: asked('/api/x', { cookie, 'x-forwarded-method': 'POST', origin: 'https://app.example' }),
    });
    expect(own.statusCode).toBe(200);
    const partner = await app.inject({
      url: '/auth/verify',
      headers: asked('/api/x', { cookie, 'x-forwarded-method': 'PUT', origin: 'https://partner.example' }),
    });
    expect(partner.statusCode).toBe(200);
    // Safe methods and Bearer tokens need no check.
    expect(
      (await app.inject({ url: '/auth/verify', headers: asked('/api/x', { cookie, origin: 'https://evil.example' }) }))
        .statusCode,
    ).toBe(200);
    const bearer = await app.inject({
      url: '/auth/verify',
      headers: asked('/api/x', {
        authorization: `Bearer ${token()}`,
        'x-forwarded-method': 'POST',
        origin: 'https://evil.example',
      }),
    });
    expect(bearer.statusCode).toBe(200);
  });

  it('does not echo client-sent x-portal-* headers', async () => {
    const response = await app.inject({
      url: '/auth/verify',
      headers: asked('/maybe/x', {
        'x-portal-npub': 'npub1spoof',
        'x-portal-assertion': 'forged',
        X_Portal_Target_Key: 'f'.repeat(64),
      }),
    });
    expect(response.statusCode).toBe(200);
    expect(Object.keys(response.headers).filter((name) => /^x[-_]portal/i.test(name))).toEqual([]);
  });

  it('answers HEAD like GET, without a body', async () => {
    const response = await app.inject({
      method: 'HEAD',
      url: '/auth/verify',
      headers: asked('/api/x', { authorization: `Bearer ${token()}` }),
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['x-portal-target-key']).toBe(user.publicKey);
    expect(response.body).toBe('');
  });

  it('reads the URI and method from the headers named by forwardAuth.uriHeader and methodHeader', async () => {
    const custom = await buildApp({ forwardAuth: { uriHeader: 'X-Original-URI', methodHeader: 'X-Original-Method' } });
    expect((await custom.inject({ url: '/auth/verify', headers: { 'x-original-uri': '/public/x' } })).statusCode).toBe(
      200,
    );
    expect((await custom.inject({ url: '/auth/verify', headers: { 'x-forwarded-uri': '/public/x' } })).statusCode).toBe(
      401,
    );
    await custom.close();
  });

  it('rejects a URI header it cannot read with 400', async () => {
    const response = await app.inject({ url: '/auth/verify', headers: { 'x-forwarded-uri': 'javascript:alert(1)' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('ERR_BAD_REQUEST');
  });
});

describe('GET /auth/verify/<name>', () => {
  it('applies the named policy whatever the URI', async () => {
    expect((await app.inject({ url: '/auth/verify/open', headers: asked('/api/admin/x') })).statusCode).toBe(200);
    expect((await app.inject({ url: '/auth/verify/web', headers: asked('/public/x') })).statusCode).toBe(401);
    const page = await app.inject({ url: '/auth/verify/web', headers: asked('/docs/a', { accept: 'text/html' }) });
    expect(page.headers.location).toBe(`/auth/login?next=${encodeURIComponent('/docs/a')}`);
    expect(
      (await app.inject({ url: '/auth/verify/web', headers: asked('/docs/a', { authorization: `Bearer ${token()}` }) }))
        .statusCode,
    ).toBe(200);
  });

  it('answers 404 for an unknown name, never a default', async () => {
    const response = await app.inject({ url: '/auth/verify/nope', headers: asked('/public/x') });
    expect(response.statusCode).toBe(404);
    expect(response.json().error).toBe('ERR_ROUTE_NOT_FOUND');
  });
});

describe('Cache-Control', () => {
  it('is no-store by default, and private with max-age = min(cacheSec, token and assertion lifetime) with forwardAuth.cacheSec', async () => {
    const plain = await buildApp({ forwardAuth: {} });
    const none = await plain.inject({
      url: '/auth/verify',
      headers: asked('/api/x', { authorization: `Bearer ${token()}` }),
    });
    expect(none.headers['cache-control']).toBe('no-store');
    await plain.close();

    const cached = await app.inject({
      url: '/auth/verify',
      headers: asked('/api/x', { authorization: `Bearer ${token()}` }),
    });
    expect(cached.headers['cache-control']).toBe('private, max-age=30');
    const now = Math.floor(Date.now() / 1000);
    const shortLived = issueJwt(service.secretKey, user.publicKey, 1, { now: now - 3600 + 10 });
    const soon = await app.inject({
      url: '/auth/verify',
      headers: asked('/api/x', { authorization: `Bearer ${shortLived}` }),
    });
    expect(soon.headers['cache-control']).toMatch(/^private, max-age=(9|10)$/);
    const refused = await app.inject({ url: '/auth/verify', headers: asked('/api/x') });
    expect(refused.headers['cache-control']).toBe('no-store');
  });
});
