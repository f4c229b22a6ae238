/**
 * A gateway process on a real Redis that dies, freezes and comes back, with a real relay and upstream.
 * Readiness follows the store alone (a dead upstream is reported, not fatal) and always answers within
 * a second; requests that need the store fail fast with 503 ERR_STORE_UNAVAILABLE and a plain message;
 * requests that do not (tokens on proxied routes) keep working; recovery is automatic and logged.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateKeyPair, issueJwt } from '../../src/index.js';
import { describeWithRedis } from '../support/describe-with-redis.js';
import { closedPort, startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.js';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { requestJson, type JsonResponse } from '../support/http-json.js';
import { waitForRelay } from '../support/login-client.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { startRelayProcess, type RelayProcess } from '../support/relay-process.js';

const FAST_MS = 1000;
const service = generateKeyPair();
const user = generateKeyPair();
let redis: RedisServer;
let relay: RelayProcess;
let upstream: EchoUpstream;
let deadUpstream: string;
let gw: GatewayProcess;

/** One request, with how long it took to answer. */
async function timed(
  method: 'GET' | 'POST',
  path: string,
  init: Parameters<typeof requestJson>[2] = {},
): Promise<JsonResponse & { ms: number }> {
  const started = performance.now();
  const response = await requestJson(method, gw.url + path, init);
  return { ...response, ms: performance.now() - started };
}

/** Polls `probe` until `done`, for at most `timeoutMs`; every answer on the way must be fast. */
async function until(
  probe: () => Promise<JsonResponse & { ms: number }>,
  done: (r: JsonResponse) => boolean,
  timeoutMs: number,
) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const response = await probe();
    expect(response.ms).toBeLessThan(FAST_MS);
    if (done(response)) return response;
    if (performance.now() > deadline) throw new Error(`still ${response.status} ${JSON.stringify(response.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const events = () =>
  gw
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { event?: string; level: number; reason?: string });

function expectStoreUnavailable(response: JsonResponse & { ms: number }) {
  expect(response.status).toBe(503);
  expect(response.body.error).toBe('ERR_STORE_UNAVAILABLE');
  expect(response.ms).toBeLessThan(FAST_MS);
  // Nothing of the client library or the connection leaks into the answer.
  expect(response.body.message).not.toMatch(/redis|stream|queue|retr|ECONN|timed out|127\.0\.0\.1/i);
}

beforeAll(async () => {
  [redis, relay, upstream] = await Promise.all([startRedisServer(), startRelayProcess(), startEchoUpstream()]);
  deadUpstream = `http://127.0.0.1:${await closedPort()}`;
  gw = await startGatewayProcess(
    {
      logLevel: 'info',
      relays: [relay.url],
      store: { kind: 'redis', url: redis.url },
      routes: [
        { prefix: '/api', upstream: upstream.url, auth: 'required' },
        { prefix: '/down', upstream: deadUpstream, auth: 'public' },
      ],
    },
    { PORTAL_SERVICE_KEY: service.secretKey },
  );
  await waitForRelay(gw.url);
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all([upstream?.close(), relay?.stop(), redis?.stop()]);
});

describeWithRedis('readiness', () => {
  it('is 200 with a dead upstream, which it reports with the relays and logins', async () => {
    const ready = await timed('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.ms).toBeLessThan(FAST_MS);
    expect(ready.body).toMatchObject({
      status: 'ready',
      checks: { store: { ok: true, status: 'ok' } },
      upstreams: { [upstream.url]: { ok: true }, [deadUpstream]: { ok: false, status: 'ECONNREFUSED' } },
      relays: { [relay.url]: { state: 'open' } },
      logins: { pending: 0 },
    });
    expect((await timed('GET', '/down/x')).status).toBe(502);
  });
});

describeWithRedis('a Redis outage', () => {
  it('fails what needs the store fast, keeps tokens working, and recovers by itself', async () => {
    const token = issueJwt(service.secretKey, user.publicKey, 1);
    expect((await timed('GET', '/api/before', { token })).status).toBe(200);
    expect((await timed('POST', '/auth/refresh', { body: { refresh_token: 'not-a-real-one' } })).body.error).toBe(
      'ERR_REFRESH_TOKEN_INVALID',
    );

    await redis.kill();
    // Readiness may answer from its cache for about a second, then says 503; always within a second.
    await until(
      () => timed('GET', '/readyz'),
      (r) => r.status === 503,
      3000,
    );
    expectStoreUnavailable(await timed('POST', '/auth/refresh', { body: { refresh_token: 'not-a-real-one' } }));
    expectStoreUnavailable(await timed('POST', '/auth/login'));
    // A token (seen before or not) on a proxied route needs no store: verification and the revocation
    // list are in memory.
    expect((await timed('GET', '/api/during', { token })).status).toBe(200);
    expect((await timed('GET', '/api/during', { token: issueJwt(service.secretKey, user.publicKey, 2) })).status).toBe(
      200,
    );
    expect((await timed('GET', '/healthz')).status).toBe(200);
    await expect
      .poll(() => events().find((e) => e.event === 'store_unavailable'))
      .toMatchObject({ level: 50, reason: expect.any(String) });

    await redis.restart();
    await until(
      () => timed('GET', '/readyz'),
      (r) => r.status === 200,
      5000,
    );
    expect((await timed('POST', '/auth/refresh', { body: { refresh_token: 'not-a-real-one' } })).body.error).toBe(
      'ERR_REFRESH_TOKEN_INVALID',
    );
    expect((await timed('POST', '/auth/login')).status).toBe(201);
    expect(events().some((e) => e.event === 'store_recovered')).toBe(true);
  }, 60_000);

  it('fails fast as well when Redis keeps the connection open but stops answering', async () => {
    await until(
      () => timed('GET', '/readyz'),
      (r) => r.status === 200,
      5000,
    );
    redis.pause();
    try {
      expectStoreUnavailable(await timed('POST', '/auth/refresh', { body: { refresh_token: 'not-a-real-one' } }));
      await until(
        () => timed('GET', '/readyz'),
        (r) => r.status === 503,
        3000,
      );
      expect(
        (await timed('GET', '/api/frozen', { token: issueJwt(service.secretKey, user.publicKey, 1) })).status,
      ).toBe(200);
    } finally {
      redis.resume();
    }
    await until(
      () => timed('GET', '/readyz'),
      (r) => r.status === 200,
      5000,
    );
    expect((await timed('POST', '/auth/refresh', { body: { refresh_token: 'not-a-real-one' } })).body.error).toBe(
      'ERR_REFRESH_TOKEN_INVALID',
    );
  }, 60_000);
});
