/**
 * Lifecycle events in the log of a real gateway process: a relay process that dies and comes back, a
 * Redis that does the same, an upstream, and wallet logins by the test wallet. Every stdout line is
 * parsed as JSON; each event is found by its stable `event` name, with the identifiers it promises, and
 * no token or secret the gateway handed out or was given appears anywhere in the output.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TokenResponse } from '../../src/auth/session-service.js';
import { generateKeyPair, issueJwt } from '../../src/index.js';
import { describeWithRedis } from '../support/describe-with-redis.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.js';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { refresh, requestJson } from '../support/http-json.js';
import { signInWithWallet, startLogin, waitForLogin, waitForRelay } from '../support/login-client.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { startRelayProcess, type RelayProcess } from '../support/relay-process.js';
import { TestWallet } from '../support/wallet.js';

const ADMIN_SECRET = 'an admin secret of some length';
const service = generateKeyPair();
let redis: RedisServer;
let relay: RelayProcess;
let upstream: EchoUpstream;
let gw: GatewayProcess;
/** Every credential the gateway handed out or was given: none may appear in its output. */
const secrets: string[] = [ADMIN_SECRET, service.secretKey, service.nsec];

type Line = Record<string, any> & { level: number; msg: string };

/** Every stdout line, parsed (a line that is not JSON fails the test). */
function lines(): Line[] {
  return gw
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Line);
}

const events = (name: string) => lines().filter((line) => line.event === name);

/** Waits until the event has been written (at most `timeoutMs`), then returns its lines. */
async function written(name: string, timeoutMs = 10_000): Promise<Line[]> {
  await expect.poll(() => events(name).length, { timeout: timeoutMs }).toBeGreaterThan(0);
  return events(name);
}

async function signIn(wallet: TestWallet): Promise<TokenResponse> {
  const tokens = await signInWithWallet(gw.url, wallet);
  secrets.push(tokens.access_token, tokens.refresh_token);
  return tokens;
}

beforeAll(async () => {
  [redis, relay, upstream] = await Promise.all([startRedisServer(), startRelayProcess(), startEchoUpstream()]);
  gw = await startGatewayProcess(
    {
      log: { level: 'info' },
      relays: [relay.url],
      store: { kind: 'redis', url: redis.url },
      admin: { secret: ADMIN_SECRET },
      login: { timeoutSec: 10 },
      routes: [
        { prefix: '/api', upstream: upstream.url, auth: 'required' },
        { prefix: '/reports', upstream: upstream.url, auth: 'required', permissions: ['reports'] },
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

describeWithRedis('the log of a gateway process', () => {
  it('has one JSON line per lifecycle event, with a stable name, and never a token or secret', async () => {
    expect((await written('relay_connected'))[0]).toMatchObject({
      url: relay.url,
      attempt: expect.any(Number),
      level: 30,
    });

    // A login nobody answers: it expires after login.timeoutSec (checked at the end).
    const abandoned = (await startLogin(gw.url)).body;
    secrets.push(abandoned.login_secret);

    // An approved login, a refresh, and the reuse of the rotated refresh token.
    const wallet = new TestWallet();
    const first = await signIn(wallet);
    const npub = (await requestJson('GET', `${gw.url}/auth/me`, { token: first.access_token })).body.npub as string;
    const approved = (await written('login_approved')).at(-1)!;
    expect(approved).toMatchObject({ login_id: expect.any(String), npub, session_id: first.session_id });
    expect(events('login_started').map((e) => e.login_id)).toEqual(
      expect.arrayContaining([abandoned.login_id, approved.login_id]),
    );
    expect(events('login_handshake').find((e) => e.login_id === approved.login_id)).toMatchObject({ npub });
    const rotated = await refresh(gw.url, first.refresh_token);
    expect(rotated.status).toBe(200);
    secrets.push(rotated.body.access_token, rotated.body.refresh_token);
    expect((await written('session_refreshed'))[0]).toMatchObject({ session_id: first.session_id, npub });
    expect((await refresh(gw.url, first.refresh_token)).body.error).toBe('ERR_REFRESH_TOKEN_REUSED');
    expect((await written('refresh_token_reused'))[0]).toMatchObject({ session_id: first.session_id, npub, level: 40 });

    // A declined login.
    const declinedLogin = (await startLogin(gw.url)).body;
    secrets.push(declinedLogin.login_secret);
    await wallet.login(declinedLogin.portal_url, { decline: { reason: 'not today' } });
    await waitForLogin(gw.url, declinedLogin, 'declined');
    expect((await written('login_declined'))[0]).toMatchObject({
      login_id: declinedLogin.login_id,
      npub,
      reason: 'not today',
    });

    // Logout, and logout everywhere.
    const second = await signIn(wallet);
    expect((await requestJson('POST', `${gw.url}/auth/logout`, { token: second.access_token })).status).toBe(200);
    expect((await written('logout'))[0]).toMatchObject({ npub, session_id: second.session_id });
    const third = await signIn(wallet);
    expect((await requestJson('POST', `${gw.url}/auth/logout-all`, { token: third.access_token })).status).toBe(200);
    expect((await written('logout_everywhere'))[0]).toMatchObject({ npub, sessions_revoked: expect.any(Number) });
    await wallet.close();

    // An admin token.
    const target = generateKeyPair();
    const issued = await requestJson('POST', `${gw.url}/admin/tokens`, {
      token: ADMIN_SECRET,
      body: { target_key: target.npub, duration_hours: 1, permissions: ['reports'] },
    });
    expect(issued.status).toBe(200);
    secrets.push(issued.body.token);
    expect((await written('admin_token_issued'))[0]).toMatchObject({
      target: target.npub,
      jti: issued.body.jti,
      permissions: ['reports'],
    });

    // Request lines of 401 and 403 answers carry the error code; probes are not logged.
    expect((await requestJson('GET', `${gw.url}/api/nobody`)).status).toBe(401);
    const withoutPermission = issueJwt(service.secretKey, target.publicKey, 1);
    secrets.push(withoutPermission);
    expect((await requestJson('GET', `${gw.url}/reports/denied`, { token: withoutPermission })).status).toBe(403);
    for (const probe of ['/healthz', '/readyz', '/metrics']) expect((await fetch(gw.url + probe)).status).toBe(200);
    await expect
      .poll(() => lines().find((l) => l.msg === 'request' && l.url === '/reports/denied'))
      .toMatchObject({ status: 403, code: 'ERR_PERMISSION_DENIED' });
    expect(lines().find((l) => l.msg === 'request' && l.url === '/api/nobody')).toMatchObject({
      status: 401,
      code: 'ERR_AUTH_REQUIRED',
    });
    expect(lines().filter((l) => l.msg === 'request' && /^\/(healthz|readyz|metrics)/.test(l.url))).toEqual([]);

    // The relay drops and comes back; the relay list is reloaded.
    await relay.kill();
    expect((await written('relay_disconnected'))[0]).toMatchObject({
      url: relay.url,
      level: 40,
      reason: expect.any(String),
    });
    await relay.restart();
    // The relay process takes a moment to start; the gateway's backoff then takes up to a few seconds.
    expect((await written('relay_reconnected', 40_000))[0]).toMatchObject({
      url: relay.url,
      attempt: expect.any(Number),
    });
    process.kill(gw.pid!, 'SIGHUP');
    expect((await written('relays_reloaded'))[0]).toMatchObject({ added: [], removed: [] });

    // The store goes away and comes back.
    await redis.kill();
    expect((await written('store_unavailable'))[0]).toMatchObject({
      level: 50,
      store: 'redis',
      reason: expect.any(String),
    });
    await redis.restart();
    expect((await written('store_recovered'))[0]).toMatchObject({ level: 30, store: 'redis' });

    // The abandoned login has expired by now (10 s).
    expect((await written('login_expired', 15_000)).find((e) => e.login_id === abandoned.login_id)).toBeDefined();

    const output = gw.output();
    for (const secret of secrets) expect(output.includes(secret), 'a secret or token is in the log').toBe(false);
    // Each event line is one JSON object with its name, a level and a message.
    for (const line of lines().filter((l) => l.event !== undefined)) {
      expect(line.event).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(line).toMatchObject({ level: expect.any(Number), msg: expect.any(String), time: expect.any(Number) });
    }
  }, 120_000);
});
