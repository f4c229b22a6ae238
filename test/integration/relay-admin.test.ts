/**
 * Relays changed at run time through /admin/relays, with real parts: two relay processes on
 * 127.0.0.1, the gateway, and the rust-nostr test wallet logging in through whichever relay the
 * gateway names in its portal:// URL.
 */
import { finalizeEvent } from 'nostr-tools/pure';
import { getToken } from 'nostr-tools/nip98';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, parseHandshakeUrl, verifyJwt } from '../../src/index.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { startRelayProcess, type RelayProcess } from '../support/relay-process.js';
import { TestWallet } from '../support/wallet.js';
import { startLogin, waitForLogin, type StartedLogin } from '../support/login-client.js';

const ADMIN_SECRET = generateKeyPair().secretKey; // 64 random hex characters
const service = generateKeyPair();
const adminKey = generateKeyPair();
let first: RelayProcess;
let second: RelayProcess;
let gw: RunningGateway;

interface RelayView {
  url: string;
  state: string;
  liveSubscriptions: number;
  counters: Record<string, number>;
  lastError?: string;
}

async function call(method: string, path: string, options: { body?: unknown; auth?: string | null } = {}) {
  const headers: Record<string, string> = {};
  if (options.auth !== null) headers.authorization = options.auth ?? `Bearer ${ADMIN_SECRET}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(gw.url + path, {
    method,
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function relays(): Promise<RelayView[]> {
  const answer = await call('GET', '/admin/relays');
  expect(answer.status).toBe(200);
  return answer.body.relays as RelayView[];
}

/** Both login subscriptions confirmed by the relay: a handshake sent now reaches the gateway. */
async function pollUntilLive(url: string): Promise<RelayView> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const relay = (await relays()).find((r) => r.url === url);
    if (relay?.state === 'open' && relay.liveSubscriptions >= 2) return relay;
    if (Date.now() > deadline) throw new Error(`${url} never became live: ${JSON.stringify(relay)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The status of a login once it has ended, with the tokens for the holder of its secret. */
async function finalStatus(started: StartedLogin): Promise<Record<string, any>> {
  const ended = (body: { status: string }) => ['approved', 'declined', 'expired'].includes(body.status);
  return (await waitForLogin(gw.url, started, ended, { 'x-login-secret': started.login_secret })).body;
}

beforeAll(async () => {
  [first, second] = await Promise.all([startRelayProcess(), startRelayProcess()]);
  gw = await startGateway({
    serviceKey: service.secretKey,
    relays: [first.url],
    admin: { secret: ADMIN_SECRET, pubkeys: [adminKey.publicKey] },
    routes: [],
  });
  await pollUntilLive(first.url);
});

afterAll(async () => {
  await gw?.close();
  await Promise.all([first?.stop(), second?.stop()]);
});

describe('GET /admin/relays', () => {
  it('lists every relay with its state, live subscriptions and counters', async () => {
    const [relay, ...others] = await relays();
    expect(others).toEqual([]);
    expect(relay).toMatchObject({
      url: first.url,
      state: 'open',
      liveSubscriptions: 2,
      counters: {
        eventsReceived: expect.any(Number),
        eventsAccepted: expect.any(Number),
        eventsRejected: 0,
        reconnects: 0,
        publishesOk: expect.any(Number),
        publishesFailed: 0,
      },
    });
    expect(relay!.lastError).toBeUndefined();
  });

  it('needs the admin credential: 401 without one, 403 with a wrong one, JSON either way', async () => {
    for (const [method, body] of [
      ['GET', undefined],
      ['POST', { url: second.url }],
      ['DELETE', { url: first.url }],
    ] as const) {
      const anonymous = await call(method, '/admin/relays', { auth: null, body });
      expect(anonymous).toEqual({
        status: 401,
        body: { error: 'ERR_AUTH_REQUIRED', message: expect.stringContaining('admin credential required') },
      });
      const wrong = await call(method, '/admin/relays', { auth: 'Bearer not-the-admin-secret', body });
      expect(wrong.status).toBe(403);
      expect(wrong.body.error).toBe('ERR_PERMISSION_DENIED');
    }
    // Nothing changed.
    expect((await relays()).map((r) => r.url)).toEqual([first.url]);
  });
});

describe('POST and DELETE /admin/relays', () => {
  it('adds a relay at run time, a login then goes through it alone, and removing it stops new logins', async () => {
    const added = await call('POST', '/admin/relays', { body: { url: second.url } });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ added: true, relay: { url: second.url }, relays: [first.url, second.url] });
    const live = await pollUntilLive(second.url);
    expect(live.counters.eventsRejected).toBe(0);

    // Take the first relay away: whatever the wallet does now must go through the added one.
    const removed = await call('DELETE', `/admin/relays?url=${encodeURIComponent(first.url)}`);
    expect(removed).toEqual({ status: 200, body: { removed: first.url, relays: [second.url] } });
    expect(
      (await (await fetch(`${gw.url}/.well-known/portal-gateway`)).json()) as Record<string, unknown>,
    ).toMatchObject({ relays: [second.url] });

    const { body: started } = await startLogin(gw.url);
    expect(parseHandshakeUrl(started.portal_url).relays).toEqual([second.url]);
    const wallet = new TestWallet();
    try {
      await wallet.login(started.portal_url, { approve: { grantedPermissions: [], sessionToken: 'relay-admin' } });
      const body = await finalStatus(started);
      expect(body.status).toBe('approved');
      expect(verifyJwt(service.publicKey, body.access_token).target_key).toBe(wallet.mainKey);
    } finally {
      await wallet.close();
    }
    const [through] = await relays();
    // Handshake and response came in through it; the challenge went out through it.
    expect(through).toMatchObject({ url: second.url, counters: { eventsAccepted: 2, publishesOk: 1 } });

    const gone = await call('DELETE', '/admin/relays', { body: { url: second.url } });
    expect(gone).toEqual({ status: 200, body: { removed: second.url, relays: [] } });
    expect(await relays()).toEqual([]);
    const refused = await fetch(`${gw.url}/auth/login`, { method: 'POST' });
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as Record<string, string>).error).toBe('ERR_RELAYS_UNAVAILABLE');

    // Back as it was, for the other tests.
    expect((await call('POST', '/admin/relays', { body: { url: first.url } })).status).toBe(201);
    await pollUntilLive(first.url);
  });

  it('answers 200 without a change for a relay it already has', async () => {
    const again = await call('POST', '/admin/relays', { body: { url: first.url } });
    expect(again).toMatchObject({ status: 200, body: { added: false, relays: [first.url] } });
  });

  it('rejects bad URLs with 400 JSON that does not echo them, and an unknown relay with 404', async () => {
    const cases: unknown[] = [
      'https://relay.example',
      'not a url',
      '',
      42,
      'wss://user:hunter2@relay.example',
      ['wss://relay.example'],
    ];
    for (const url of cases) {
      const answer = await call('POST', '/admin/relays', { body: { url } });
      expect(answer.status, JSON.stringify(url)).toBe(400);
      expect(answer.body).toEqual({ error: 'ERR_BAD_REQUEST', message: expect.stringMatching(/^url must/) });
      expect(answer.body.message).not.toContain('hunter2');
    }
    expect((await call('POST', '/admin/relays', { body: {} })).body).toEqual({
      error: 'ERR_BAD_REQUEST',
      message: expect.stringContaining('url is required'),
    });
    expect((await call('DELETE', '/admin/relays?url=ftp%3A%2F%2Fx')).status).toBe(400);
    const mixed = await call('DELETE', `/admin/relays?url=${encodeURIComponent(first.url)}`, {
      body: { url: second.url },
    });
    expect(mixed.status).toBe(400);
    const unknown = await call('DELETE', '/admin/relays', { body: { url: 'wss://relay.example' } });
    expect(unknown).toEqual({
      status: 404,
      body: { error: 'ERR_RELAY_NOT_FOUND', message: "wss://relay.example is not one of the gateway's relays" },
    });
    expect((await relays()).map((r) => r.url)).toEqual([first.url]);
  });

  it('accepts a request signed by an admin key (NIP-98), once', async () => {
    const url = `${gw.url}/admin/relays`;
    const body = { url: second.url };
    const header = await getToken(
      url,
      'POST',
      (e) => finalizeEvent(e, Buffer.from(adminKey.secretKey, 'hex')),
      true,
      body,
    );
    expect((await call('POST', '/admin/relays', { body, auth: header })).status).toBe(201);
    expect((await call('POST', '/admin/relays', { body, auth: header })).status).toBe(403);
    const removeUrl = `${url}?url=${encodeURIComponent(second.url)}`;
    const removeHeader = await getToken(
      removeUrl,
      'DELETE',
      (e) => finalizeEvent(e, Buffer.from(adminKey.secretKey, 'hex')),
      true,
    );
    expect(
      (await call('DELETE', `/admin/relays?url=${encodeURIComponent(second.url)}`, { auth: removeHeader })).status,
    ).toBe(200);
    expect((await relays()).map((r) => r.url)).toEqual([first.url]);
  });
});

describe('rate limit', () => {
  it('applies the /admin rate limit to the relay endpoints', async () => {
    const limited = await startGateway({
      serviceKey: service.secretKey,
      relays: [],
      admin: { secret: ADMIN_SECRET },
      rateLimit: { max: 2, windowSec: 60 },
      routes: [],
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        statuses.push(
          (await fetch(`${limited.url}/admin/relays`, { headers: { authorization: `Bearer ${ADMIN_SECRET}` } })).status,
        );
      }
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await limited.close();
    }
  });
});
