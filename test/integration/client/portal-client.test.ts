/**
 * portal-gateway/client on Node 20 (global fetch) against a real gateway, relay process and the
 * rust-nostr test wallet: login over server-sent events or polling, tokens in memory, one refresh for
 * many concurrent 401s, sign-out when the refresh fails, logout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPortalClient, type LoginStatusView, type SignOutReason } from '../../../src/client/index.js';
import { generateKeyPair } from '../../../src/index.js';
import type { EchoReply } from '../../support/echo-upstream.js';
import type { RunningGateway } from '../../support/gateway.js';
import { movableClock } from '../../support/clock.js';
import { startStack, type Stack } from '../../support/stack.js';
import { TestWallet } from '../../support/wallet.js';

const ACCESS_TTL_SEC = 10;
let gw: RunningGateway;
let stack: Stack<RunningGateway>;
// The gateway's clock: moved past an access token's expiry instead of waiting for it.
const clock = movableClock();

beforeAll(async () => {
  stack = await startStack(
    ({ relay, upstream }) => ({
      serviceKey: generateKeyPair().secretKey,
      relays: [relay.url],
      store: { kind: 'memory' },
      tokens: { accessTtlSec: ACCESS_TTL_SEC, clockToleranceSec: 0 },
      rateLimit: { max: 1000 },
      routes: [{ prefix: '/api', upstream: upstream.url, auth: 'required' }],
    }),
    { clock: clock.now },
  );
  ({ gw } = stack);
});

afterAll(() => stack?.close());

/** The global fetch, counting the refresh requests the client makes. */
function countingFetch() {
  const calls = { refresh: 0, all: 0 };
  const fetchImpl: typeof fetch = (input, init) => {
    calls.all++;
    if (String(input).endsWith('/auth/refresh')) calls.refresh++;
    return fetch(input, init);
  };
  return { calls, fetchImpl };
}

/** Request log lines the gateway wrote for `path`. */
function gatewaySaw(path: string): number {
  return gw.logs.filter(
    (line) => (JSON.parse(line) as { msg?: string; url?: string }).msg === 'request' && JSON.parse(line).url === path,
  ).length;
}

async function signIn(options: { poll?: boolean; onSignOut?: (reason: SignOutReason) => void } = {}) {
  const { calls, fetchImpl } = countingFetch();
  const client = createPortalClient({
    baseUrl: gw.url,
    fetch: fetchImpl,
    pollIntervalMs: 200,
    ...(options.onSignOut ? { onSignOut: options.onSignOut } : {}),
  });
  const statuses: LoginStatusView[] = [];
  const login = await client.startLogin({
    onStatus: (view) => statuses.push(view),
    ...(options.poll ? { poll: true } : {}),
  });
  const wallet = new TestWallet();
  try {
    await wallet.login(login.portalUrl, { approve: { grantedPermissions: [], sessionToken: 'client' } });
    const result = await login.result;
    return { client, calls, result, statuses, wallet, login };
  } finally {
    await wallet.close();
  }
}

describe('startLogin', () => {
  it('follows the login over server-sent events and keeps the tokens in memory', async () => {
    const { client, result, statuses, wallet, login } = await signIn();
    expect(login.portalUrl).toMatch(/^portal:\/\/npub1/);
    expect(login.qrSvg).toMatch(/^<svg/);
    expect(result).toEqual({
      status: 'approved',
      user: { target_key: wallet.mainKey, npub: expect.stringMatching(/^npub1/) },
    });
    expect(statuses.map((s) => s.status).filter((s) => s !== 'handshake')).toEqual(['pending', 'approved']);
    // Status reports never carry the tokens.
    expect(JSON.stringify(statuses)).not.toMatch(/access_token|refresh_token/);
    expect(client.hasAccessToken).toBe(true);

    const response = await client.fetch('/api/who');
    expect(response.status).toBe(200);
    expect(((await response.json()) as EchoReply).headers['x-portal-target-key']).toBe(wallet.mainKey);
  });

  it('follows the login by polling when asked to', async () => {
    const { client, result, calls } = await signIn({ poll: true });
    expect(result.status).toBe('approved');
    expect(calls.all).toBeGreaterThan(2); // POST, then several status polls
    expect((await client.fetch('/api/who')).status).toBe(200);
  });

  it('reports a declined login with the wallet reason and holds no token', async () => {
    const client = createPortalClient({ baseUrl: gw.url });
    const login = await client.startLogin();
    const wallet = new TestWallet();
    try {
      await wallet.login(login.portalUrl, { decline: { reason: 'not this app' } });
      expect(await login.result).toMatchObject({ status: 'declined', reason: 'not this app' });
    } finally {
      await wallet.close();
    }
    expect(client.hasAccessToken).toBe(false);
  });

  it('rejects its result when cancelled', async () => {
    const login = await createPortalClient({ baseUrl: gw.url }).startLogin();
    login.cancel();
    await expect(login.result).rejects.toThrow(/cancelled/);
  });
});

describe('fetch', () => {
  it('sends the token to gateway paths only', async () => {
    const client = createPortalClient({ baseUrl: gw.url });
    await expect(client.fetch('https://elsewhere.example/x')).rejects.toThrow(TypeError);
    await expect(client.fetch('//elsewhere.example/x')).rejects.toThrow(TypeError);
  });

  it('refreshes exactly once for 20 concurrent requests with an expired access token, then retries them all', async () => {
    const { client, calls, wallet } = await signIn();
    const refreshesBefore = gatewaySaw('/auth/refresh');
    clock.advance(ACCESS_TTL_SEC + 1);

    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => client.fetch(`/api/item/${i}`)));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as EchoReply[];
    expect(new Set(bodies.map((b) => b.headers['x-portal-target-key']))).toEqual(new Set([wallet.mainKey]));
    expect(calls.refresh).toBe(1);
    expect(gatewaySaw('/auth/refresh') - refreshesBefore).toBe(1);
    // 20 rejected with the old token, 20 retried with the new one.
    expect(gw.logs.filter((l) => /"url":"\/api\/item\//.test(l) && /"status":401/.test(l))).toHaveLength(20);

    // The rotated refresh token is the one kept: a second expiry refreshes again, still once.
    const again = await Promise.all(Array.from({ length: 5 }, () => client.refresh()));
    expect(again).toEqual(Array(5).fill(true));
    expect(calls.refresh).toBe(2);
  });

  it('signs out once when the refresh fails, and answers the 401s', async () => {
    const reasons: SignOutReason[] = [];
    const { client, calls } = await signIn({ onSignOut: (reason) => reasons.push(reason) });
    // Ended elsewhere: every token of this user issued until now dies, and so do the sessions.
    expect((await client.fetch('/auth/logout-all', { method: 'POST' })).status).toBe(200);

    const responses = await Promise.all(Array.from({ length: 10 }, () => client.fetch('/api/x')));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(401));
    expect(calls.refresh).toBe(1);
    expect(reasons).toEqual(['refresh-failed']);
    expect(client.hasAccessToken).toBe(false);
  });

  it('logout ends the session on the gateway and forgets the tokens', async () => {
    const reasons: SignOutReason[] = [];
    const { client } = await signIn({ onSignOut: (reason) => reasons.push(reason) });
    const logoutsBefore = gatewaySaw('/auth/logout');
    await client.logout();
    expect(gatewaySaw('/auth/logout') - logoutsBefore).toBe(1);
    expect(reasons).toEqual(['logout']);
    expect(client.hasAccessToken).toBe(false);
    expect((await client.fetch('/api/x')).status).toBe(401);
  });
});
