/**
 * The gateway registers portalAuth with its own default policy (public): its own endpoints keep their
 * behaviour. Each is called without credentials, and the ones that check a credential of their own (the
 * admin secret, a refresh token, forward-auth's original request) with it, where a plugin-imposed
 * access-token requirement would refuse them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENDPOINT_PATHS } from '../../src/gateway-endpoints.js';
import { generateKeyPair } from '../../src/index.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';

const ADMIN_SECRET = 'an admin secret of enough length';
let upstream: EchoUpstream;
let gw: RunningGateway;

beforeAll(async () => {
  upstream = await startEchoUpstream();
  gw = await startGateway({
    relays: [],
    admin: { secret: ADMIN_SECRET },
    routes: [
      { prefix: '/api', upstream: upstream.url, auth: 'required' },
      { prefix: '/public', upstream: upstream.url, auth: 'public' },
    ],
  });
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

async function call(method: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
  const response = await fetch(gw.url + path, {
    method,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    error: text.startsWith('{') ? (JSON.parse(text) as { error?: string }).error : undefined,
  };
}

describe("the gateway's own endpoints under its default policy", () => {
  it('answer without credentials as they always have', async () => {
    const expected: [string, string, number, string?][] = [
      ['GET', ENDPOINT_PATHS.login, 200],
      ['POST', ENDPOINT_PATHS.login, 503, 'ERR_RELAYS_UNAVAILABLE'],
      ['GET', `${ENDPOINT_PATHS.login}/unknown`, 404, 'ERR_LOGIN_NOT_FOUND'],
      ['GET', `${ENDPOINT_PATHS.login}/unknown/events`, 404, 'ERR_LOGIN_NOT_FOUND'],
      ['POST', ENDPOINT_PATHS.refresh, 401, 'ERR_REFRESH_TOKEN_INVALID'],
      ['POST', ENDPOINT_PATHS.logout, 401, 'ERR_AUTH_REQUIRED'],
      ['POST', ENDPOINT_PATHS.logoutAll, 401, 'ERR_AUTH_REQUIRED'],
      ['GET', ENDPOINT_PATHS.me, 401, 'ERR_AUTH_REQUIRED'],
      ['GET', ENDPOINT_PATHS.sessions, 401, 'ERR_AUTH_REQUIRED'],
      ['DELETE', `${ENDPOINT_PATHS.sessions}/some-id`, 401, 'ERR_AUTH_REQUIRED'],
      ['POST', ENDPOINT_PATHS.adminTokens, 401, 'ERR_AUTH_REQUIRED'],
      ['GET', ENDPOINT_PATHS.adminRelays, 401, 'ERR_AUTH_REQUIRED'],
      ['GET', ENDPOINT_PATHS.healthz, 200],
      ['GET', ENDPOINT_PATHS.readyz, 200],
      ['GET', ENDPOINT_PATHS.metrics, 200],
      ['GET', ENDPOINT_PATHS.discovery, 200],
      ['GET', ENDPOINT_PATHS.forwardAuth, 401, 'ERR_AUTH_REQUIRED'],
      ['GET', ENDPOINT_PATHS.jwks, 200],
    ];
    const seen = [];
    for (const [method, path] of expected) {
      const { status, error } = await call(method, path);
      seen.push([method, path, status, ...(error === undefined ? [] : [error])]);
    }
    expect(seen).toEqual(expected);
    // Every endpoint of the list is covered.
    expect(new Set(expected.map(([, path]) => path.split('/').slice(0, 3).join('/')))).toEqual(
      new Set(Object.values(ENDPOINT_PATHS).map((path) => path.split('/').slice(0, 3).join('/'))),
    );
  });

  it('that check a credential of their own are not asked for an access token by the plugin', async () => {
    const admin = { authorization: `Bearer ${ADMIN_SECRET}` };
    expect(
      (await call('POST', ENDPOINT_PATHS.adminTokens, admin, { target_key: generateKeyPair().npub, duration_hours: 1 }))
        .status,
    ).toBe(200);
    expect((await call('GET', ENDPOINT_PATHS.adminRelays, admin)).status).toBe(200);
    const session = await gw.gateway.auth.tokens.startSession(generateKeyPair().publicKey, []);
    expect((await call('POST', ENDPOINT_PATHS.refresh, {}, { refresh_token: session.refresh_token })).status).toBe(200);
    // Forward-auth decides about the request the proxy describes: a public route needs no token.
    expect(
      (
        await call('GET', ENDPOINT_PATHS.forwardAuth, {
          'x-forwarded-uri': '/public/page',
          'x-forwarded-host': 'app.example',
        })
      ).status,
    ).toBe(200);
  });
});
