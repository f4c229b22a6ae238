/**
 * Upstreams can tell a person from a service: `x-portal-auth-flow` (and `auth_flow` in `/auth/me`) is
 * `login` for an access token of a wallet sign-in session, with `x-portal-session-id`; `service` for
 * tokens from `POST /admin/tokens`, `portal-gateway issue` or a trusted issuer; `wallet` for
 * wallet-signed tokens. Real parts: a relay process, the test wallet, the gateway and an echo upstream
 * (HTTP and WebSocket); spoofed headers are sent over a raw socket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { run as issueCommand } from '../../src/cli/issue.js';
import { generateKeyPair, issueJwt } from '../../src/index.js';
import type { TokenResponse } from '../../src/auth/session-service.js';
import { memoryIo } from '../cli/helpers.js';
import type { EchoReply } from '../support/echo-upstream.js';
import type { RunningGateway } from '../support/gateway.js';
import { signInWithWallet } from '../support/login-client.js';
import { rawRequest } from '../support/raw-http.js';
import { startStack, type Stack } from '../support/stack.js';
import { TestWallet } from '../support/wallet.js';

const service = generateKeyPair();
const trustedIssuer = generateKeyPair();
const user = generateKeyPair();
const caller = generateKeyPair();
const ADMIN_SECRET = 'an admin secret of enough length';
let gw: RunningGateway;
let stack: Stack<RunningGateway>;
let session: TokenResponse;

beforeAll(async () => {
  stack = await startStack(({ relay, upstream }) => ({
    serviceKey: service.secretKey,
    trustedIssuers: [trustedIssuer.npub],
    relays: [relay.url],
    admin: { secret: ADMIN_SECRET },
    routes: [
      { prefix: '/api', upstream: upstream.url, auth: 'required' },
      { prefix: '/ws', upstream: upstream.url, auth: 'required', websocket: true },
      { prefix: '/public', upstream: upstream.url, auth: 'public' },
    ],
  }));
  ({ gw } = stack);
  const wallet = new TestWallet({ secretKeyHex: user.secretKey });
  try {
    session = await signInWithWallet(gw.url, wallet);
  } finally {
    await wallet.close();
  }
}, 60_000);

afterAll(() => stack?.close());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function upstreamSees(token: string): Promise<EchoReply['headers']> {
  const response = await fetch(`${gw.url}/api/who`, { headers: bearer(token) });
  expect(response.status).toBe(200);
  return ((await response.json()) as EchoReply).headers;
}

async function me(token: string) {
  const response = await fetch(`${gw.url}/auth/me`, { headers: bearer(token) });
  expect(response.status).toBe(200);
  return (await response.json()) as { auth_flow: string; session: { id: string } | null; target_key: string };
}

async function adminToken(): Promise<string> {
  const response = await fetch(`${gw.url}/admin/tokens`, {
    method: 'POST',
    headers: { ...bearer(ADMIN_SECRET), 'content-type': 'application/json' },
    body: JSON.stringify({ target_key: caller.npub, duration_hours: 1, permissions: ['read'] }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { token: string }).token;
}

async function cliToken(): Promise<string> {
  const { io, output } = memoryIo({ env: { PORTAL_SERVICE_KEY: service.secretKey } });
  expect(await issueCommand(['--target', caller.npub, '--hours', '1'], io)).toBe(0);
  return output().stdout.trim();
}

function expectServiceIdentity(headers: EchoReply['headers'], who: string) {
  expect(headers['x-portal-target-key']).toBe(who);
  expect(headers['x-portal-auth-flow']).toBe('service');
  expect(headers['x-portal-session-id']).toBeUndefined();
}

describe('x-portal-auth-flow', () => {
  it('is login for the access token of a wallet sign-in, with the session id GET /auth/sessions shows', async () => {
    const listed = await fetch(`${gw.url}/auth/sessions`, { headers: bearer(session.access_token) });
    const { sessions } = (await listed.json()) as { sessions: { id: string; current: boolean }[] };
    expect(sessions).toEqual([expect.objectContaining({ id: session.session_id, current: true })]);

    const headers = await upstreamSees(session.access_token);
    expect(headers['x-portal-target-key']).toBe(user.publicKey);
    expect(headers['x-portal-auth-flow']).toBe('login');
    expect(headers['x-portal-session-id']).toBe(sessions[0]!.id);
    expect(await me(session.access_token)).toMatchObject({
      auth_flow: 'login',
      target_key: user.publicKey,
      session: { id: session.session_id },
    });

    // A refreshed access token belongs to the same session.
    const refreshed = await fetch(`${gw.url}/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh_token: session.refresh_token }),
    });
    session = (await refreshed.json()) as TokenResponse;
    expect((await upstreamSees(session.access_token))['x-portal-session-id']).toBe(sessions[0]!.id);
  });

  it('reaches a WebSocket upstream at the handshake too', async () => {
    const socket = new WebSocket(`${gw.url.replace('http', 'ws')}/ws/socket`, {
      headers: bearer(session.access_token),
    });
    const first = await new Promise<{ headers: EchoReply['headers'] }>((resolve, reject) => {
      socket.once('message', (data) => resolve(JSON.parse(data.toString())));
      socket.once('error', reject);
    });
    socket.close();
    expect(first.headers['x-portal-auth-flow']).toBe('login');
    expect(first.headers['x-portal-session-id']).toBe(session.session_id);
  });

  it('is service for tokens from POST /admin/tokens, portal-gateway issue and a trusted issuer', async () => {
    for (const token of [await adminToken(), await cliToken()]) {
      expectServiceIdentity(await upstreamSees(token), caller.publicKey);
      expect(await me(token)).toMatchObject({ auth_flow: 'service', session: null });
    }
    // A trusted issuer's `sid` names none of this gateway's sessions, even when the id exists here.
    const trusted = issueJwt(trustedIssuer.secretKey, user.publicKey, 1, { extraClaims: { sid: session.session_id } });
    expectServiceIdentity(await upstreamSees(trusted), user.publicKey);
    expect(await me(trusted)).toMatchObject({ auth_flow: 'service', session: null });
  });

  it('is wallet for a token the user signed, without a session id', async () => {
    const token = issueJwt(user.secretKey, service.publicKey, 1);
    const headers = await upstreamSees(token);
    expect(headers['x-portal-auth-flow']).toBe('wallet');
    expect(headers['x-portal-session-id']).toBeUndefined();
    expect(await me(token)).toMatchObject({ auth_flow: 'wallet', session: null });
  });
});

describe('client-sent x-portal-auth-flow and x-portal-session-id', () => {
  const spoofed = [
    'x-portal-session-id: forged-1',
    'X-Portal-Session-Id: forged-2',
    'x_portal_session_id: forged-3',
    'X-PORTAL-AUTH-FLOW: login',
    'x_portal_auth_flow: login',
  ]
    .map((line) => `${line}\r\n`)
    .join('');

  async function seen(path: string, token?: string): Promise<EchoReply['headers']> {
    const credentials = token ? `Authorization: Bearer ${token}\r\n` : '';
    const { response, connection } = await rawRequest(
      gw.url,
      `GET ${path} HTTP/1.1\r\nHost: gateway.test\r\n${credentials}${spoofed}Connection: close\r\n\r\n`,
    );
    connection.destroy();
    expect(response.status).toBe(200);
    return (response.json as EchoReply).headers;
  }

  it('never reach the upstream: public route, service token, login token', async () => {
    const anonymous = await seen('/public/x');
    expect(Object.keys(anonymous).filter((name) => /portal/i.test(name))).toEqual([]);

    expectServiceIdentity(await seen('/api/x', await adminToken()), caller.publicKey);

    const login = await seen('/api/x', session.access_token);
    expect(login['x-portal-auth-flow']).toBe('login');
    expect(login['x-portal-session-id']).toBe(session.session_id);
    expect(JSON.stringify(login)).not.toContain('forged');
  });
});
