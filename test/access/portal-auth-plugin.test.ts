/**
 * The portalAuth plugin embedded in an application's own Fastify server (no gateway around it): route
 * policies from route config, `request.portal`, JSON errors with stable codes, identity headers stripped
 * on every route, and one frozen identity per token.
 */
import cookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RequestAuthenticator,
  TokenVerifier,
  generateKeyPair,
  issueJwt,
  portalAuth,
  type PortalAuthPluginOptions,
} from '../../src/index.js';

const service = generateKeyPair();
const user = generateKeyPair();
const stranger = generateKeyPair();
let app: FastifyInstance;
const outcomes: string[] = [];

beforeAll(async () => {
  app = Fastify();
  const authenticator = new RequestAuthenticator({ verifier: new TokenVerifier({ issuers: [service.publicKey] }) });
  await app.register(portalAuth, { authenticator, onOutcome: (outcome) => outcomes.push(outcome) });
  const echo = (request: { portal: unknown; headers: Record<string, unknown> }) => ({
    portal: request.portal,
    headers: request.headers,
  });
  app.get('/me', { config: { portalAuth: { auth: 'required' } } }, echo);
  app.get('/maybe', { config: { portalAuth: { auth: 'optional' } } }, echo);
  app.get('/admin', { config: { portalAuth: { auth: 'required', permissions: ['admin'] } } }, echo);
  app.get('/open', { config: { portalAuth: { auth: 'public' } } }, echo);
  app.get('/forgotten', echo);
  app.get('/same', { config: { portalAuth: { auth: 'required' } } }, (request) => ({
    same: request.portal === lastIdentity,
    frozen: Object.isFrozen(request.portal),
  }));
  app.get('/remember', { config: { portalAuth: { auth: 'required' } } }, (request) => {
    lastIdentity = request.portal;
    return {};
  });
});
let lastIdentity: unknown;

afterAll(async () => {
  await app.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const userToken = (extraClaims?: Record<string, unknown>) =>
  issueJwt(service.secretKey, user.publicKey, 1, extraClaims ? { extraClaims } : {});

describe('portalAuth in an application', () => {
  it('decorates request.portal on a required route', async () => {
    const response = await app.inject({ url: '/me', headers: bearer(userToken()) });
    expect(response.statusCode).toBe(200);
    expect(response.json().portal).toMatchObject({
      targetKey: user.publicKey,
      flow: 'service',
      issuer: service.publicKey,
      permissions: [],
    });
  });

  it('reads the session cookie in an app that never registered @fastify/cookie', async () => {
    const response = await app.inject({ url: '/me', headers: { cookie: `theme=dark; portal_session=${userToken()}` } });
    expect(response.statusCode).toBe(200);
    expect(response.json().portal).toMatchObject({ targetKey: user.publicKey });
  });

  it('answers a missing or bad token with the JSON 401 and WWW-Authenticate, a missing permission with 403', async () => {
    const missing = await app.inject({ url: '/me' });
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toMatchObject({ error: 'ERR_AUTH_REQUIRED' });
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer .*error="invalid_token"/);

    const foreign = await app.inject({ url: '/me', headers: bearer(issueJwt(stranger.secretKey, user.publicKey, 1)) });
    expect(foreign.statusCode).toBe(401);
    expect(foreign.json().error).toBe('ERR_JWT_SIGNATURE');

    const denied = await app.inject({ url: '/admin', headers: bearer(userToken()) });
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toEqual({ error: 'ERR_PERMISSION_DENIED', message: 'missing permission: admin' });
    const allowed = await app.inject({ url: '/admin', headers: bearer(userToken({ permissions: ['admin'] })) });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.json().portal.permissions).toEqual(['admin']);
  });

  it('passes anonymous callers on optional routes, rejects bad tokens there', async () => {
    const anonymous = await app.inject({ url: '/maybe' });
    expect(anonymous.statusCode).toBe(200);
    expect(anonymous.json().portal).toBeNull();
    expect((await app.inject({ url: '/maybe', headers: bearer('not.a.token') })).statusCode).toBe(401);
  });

  it('strips client-sent identity headers on routes with and without a policy', async () => {
    const spoofed = {
      'X-Portal-Target-Key': stranger.publicKey,
      x_portal_npub: 'npub1spoof',
      'x-portal-auth-flow': 'service',
    };
    for (const [url, headers] of [
      ['/open', spoofed],
      ['/maybe', spoofed],
      ['/me', { ...spoofed, ...bearer(userToken()) }],
    ] as const) {
      const response = await app.inject({ url, headers });
      expect(response.statusCode).toBe(200);
      expect(Object.keys(response.json().headers).filter((name) => /^x[-_]portal[-_]/i.test(name))).toEqual([]);
    }
  });

  it('hands every request with the same token one frozen identity', async () => {
    const token = userToken();
    await app.inject({ url: '/remember', headers: bearer(token) });
    expect((await app.inject({ url: '/same', headers: bearer(token) })).json()).toEqual({ same: true, frozen: true });
    expect((await app.inject({ url: '/same', headers: bearer(userToken({ jti: 'other' })) })).json().same).toBe(false);
  });

  it('reports each decision to onOutcome', async () => {
    outcomes.length = 0;
    await app.inject({ url: '/me' });
    await app.inject({ url: '/maybe' });
    await app.inject({ url: '/me', headers: bearer(userToken()) });
    await app.inject({ url: '/open' });
    expect(outcomes).toEqual(['ERR_AUTH_REQUIRED', 'anonymous', 'ok', 'anonymous']);
  });
});

describe('portalAuth defaultPolicy', () => {
  async function appWith(options: Partial<PortalAuthPluginOptions>) {
    const built = Fastify();
    await built.register(portalAuth, {
      authenticator: new RequestAuthenticator({ verifier: new TokenVerifier({ issuers: [service.publicKey] }) }),
      ...options,
    });
    return built;
  }

  it('closes a route without a policy: required by default, in child plugins too', async () => {
    const response = await app.inject({ url: '/forgotten' });
    expect(response.statusCode).toBe(401);
    expect(response.json().error).toBe('ERR_AUTH_REQUIRED');
    const signedIn = await app.inject({ url: '/forgotten', headers: bearer(userToken()) });
    expect(signedIn.json().portal).toMatchObject({ targetKey: user.publicKey });

    const nested = await appWith({});
    await nested.register(async (child) => {
      child.post('/child/write', () => ({ written: true }));
    });
    try {
      expect((await nested.inject({ method: 'POST', url: '/child/write' })).statusCode).toBe(401);
      expect(
        (await nested.inject({ method: 'POST', url: '/child/write', headers: bearer(userToken()) })).statusCode,
      ).toBe(200);
    } finally {
      await nested.close();
    }
  });

  it('is what the app passes: routes without a policy get it, routes with one keep theirs', async () => {
    const built = await appWith({ defaultPolicy: { auth: 'required', permissions: ['staff'] } });
    built.get('/staff', (request) => ({ portal: request.portal }));
    built.get('/health', { config: { portalAuth: { auth: 'public' } } }, () => ({ ok: true }));
    try {
      expect((await built.inject({ url: '/staff', headers: bearer(userToken()) })).statusCode).toBe(403);
      expect(
        (await built.inject({ url: '/staff', headers: bearer(userToken({ permissions: ['staff'] })) })).statusCode,
      ).toBe(200);
      expect((await built.inject({ url: '/health' })).statusCode).toBe(200);
    } finally {
      await built.close();
    }
    const open = await appWith({ defaultPolicy: { auth: 'public' } });
    open.get('/page', (request) => ({ portal: request.portal }));
    try {
      const page = await open.inject({ url: '/page', headers: bearer('not.a.token') });
      expect(page.statusCode).toBe(200);
      expect(page.json().portal).toBeNull();
    } finally {
      await open.close();
    }
  });

  it('refuses a policy it would misread, naming it, instead of letting callers through', async () => {
    await expect(appWith({ defaultPolicy: { auth: 'requried' as never } })).rejects.toThrow(
      /portalAuth defaultPolicy: auth must be one of public, optional, required/,
    );
    const built = await appWith({});
    try {
      expect(() => built.get('/typo', { config: { portalAuth: { auth: 'Required' as never } } }, () => 'open')).toThrow(
        /portalAuth policy of GET \/typo: auth must be one of public, optional, required/,
      );
      expect(() =>
        built.get(
          '/perm',
          { config: { portalAuth: { auth: 'required', permissions: 'admin' as never } } },
          () => 'open',
        ),
      ).toThrow(/permissions must be an array of strings/);
    } finally {
      await built.close();
    }
  });
});

describe('portalAuth and WebSocket handshakes', () => {
  const handshake = { upgrade: 'websocket', connection: 'Upgrade', host: 'app.test' };

  it('applies the origin rule of cookie-authenticated POSTs to a cookie-authenticated handshake, not to a Bearer one', async () => {
    const sockets = Fastify();
    await sockets.register(cookie);
    await sockets.register(portalAuth, {
      authenticator: new RequestAuthenticator({ verifier: new TokenVerifier({ issuers: [service.publicKey] }) }),
    });
    sockets.get('/socket', { config: { portalAuth: { auth: 'required' } } }, () => ({ open: true }));
    try {
      const session = `portal_session=${userToken()}`;
      const foreign = await sockets.inject({
        url: '/socket',
        headers: { ...handshake, cookie: session, origin: 'http://evil.example' },
      });
      expect(foreign.statusCode).toBe(403);
      expect(foreign.json().error).toBe('ERR_CSRF');
      const own = await sockets.inject({
        url: '/socket',
        headers: { ...handshake, cookie: session, origin: 'http://app.test' },
      });
      expect(own.statusCode).toBe(200);
      const withBearer = await sockets.inject({
        url: '/socket',
        headers: { ...handshake, ...bearer(userToken()), origin: 'http://evil.example' },
      });
      expect(withBearer.statusCode).toBe(200);
      // An ordinary cookie-authenticated GET from elsewhere (a link, an image) is not a state change.
      expect(
        (await sockets.inject({ url: '/socket', headers: { cookie: session, origin: 'http://evil.example' } }))
          .statusCode,
      ).toBe(200);
    } finally {
      await sockets.close();
    }
  });
});
