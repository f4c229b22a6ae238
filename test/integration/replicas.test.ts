/**
 * Two replicas behind one Redis: two `serve --config` processes with the same service key and store, a
 * relay process for wallet logins, and the rust-nostr test wallet. What one replica does to a session
 * (logout, logout everywhere, refresh rotation, a login) the other one must honour.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateKeyPair, verifyJwt } from '../../src/index.js';
import type { TokenResponse } from '../../src/auth/session-service.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.js';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { refresh, requestJson } from '../support/http-json.js';
import { startLogin, waitForLogin, waitForRelay, type StartedLogin } from '../support/login-client.js';
import { describeWithRedis } from '../support/describe-with-redis.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { startRelayProcess, type RelayProcess } from '../support/relay-process.js';
import { TestWallet } from '../support/wallet.js';

/** What the design promises for a revocation made on another replica. */
const PROPAGATION_LIMIT_MS = 1000;

const service = generateKeyPair();
let redis: RedisServer;
let relay: RelayProcess;
let upstream: EchoUpstream;
let a: GatewayProcess;
let b: GatewayProcess;
/** Every credential the replicas handed out, to check that neither one logged any of them. */
const handedOut: string[] = [];

/** POST /auth/login on `on`; the login secret is remembered for the log check. */
async function begin(on: GatewayProcess): Promise<StartedLogin> {
  const { body } = await startLogin(on.url);
  handedOut.push(body.login_secret);
  return body;
}

const withSecret = (login: StartedLogin) => ({ 'x-login-secret': login.login_secret });

/** A real sign-in: started on one replica, approved by the wallet over the relay, tokens collected from another. */
async function signIn(
  wallet: TestWallet,
  startOn: GatewayProcess,
  collectFrom: GatewayProcess,
): Promise<TokenResponse> {
  const login = await begin(startOn);
  const approved = wallet.login(login.portal_url, { approve: { grantedPermissions: [], sessionToken: 'replicas' } });
  const { body } = await waitForLogin(
    collectFrom.url,
    login,
    (view) => typeof view.access_token === 'string' || view.status === 'declined' || view.status === 'expired',
    withSecret(login),
  );
  await approved;
  expect(body.access_token).toEqual(expect.any(String));
  handedOut.push(body.access_token, body.refresh_token);
  return body as unknown as TokenResponse;
}

const api = (replica: GatewayProcess, token: string) => requestJson('GET', `${replica.url}/api/items`, { token });

/** Milliseconds from `since` until `replica` answers 401 ERR_TOKEN_REVOKED for `token`. */
async function msUntilRevoked(replica: GatewayProcess, token: string, since: number): Promise<number> {
  for (;;) {
    const { status, body } = await api(replica, token);
    if (status === 401 && body.error === 'ERR_TOKEN_REVOKED') return performance.now() - since;
    expect(status).toBe(200); // still valid until the revocation arrives, never anything else
    if (performance.now() - since > 5 * PROPAGATION_LIMIT_MS)
      throw new Error('the revocation never reached the other replica');
  }
}

beforeAll(async () => {
  [redis, relay, upstream] = await Promise.all([startRedisServer(), startRelayProcess(), startEchoUpstream()]);
  const config = {
    logLevel: 'info', // every request is logged, so the log check below covers the token endpoints
    relays: [relay.url],
    store: { kind: 'redis', url: redis.url },
    cookie: { secure: false },
    routes: [{ prefix: '/api', upstream: upstream.url, auth: 'required' }],
  };
  const env = { PORTAL_SERVICE_KEY: service.secretKey };
  [a, b] = await Promise.all([startGatewayProcess(config, env), startGatewayProcess(config, env)]);
  await Promise.all([waitForRelay(a.url), waitForRelay(b.url)]);
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await Promise.all([upstream?.close(), relay?.stop(), redis?.stop()]);
});

describeWithRedis('a login started on one replica', () => {
  it('is finished by a client polling the other one, which gets the tokens once', async () => {
    const wallet = new TestWallet();
    const tokens = await signIn(wallet, a, b);
    expect(verifyJwt(service.publicKey, tokens.access_token).target_key).toBe(wallet.mainKey);
    for (const replica of [a, b]) {
      const proxied = await api(replica, tokens.access_token);
      expect(proxied.status).toBe(200);
      expect(proxied.body.headers['x-portal-target-key']).toBe(wallet.mainKey);
    }
    await wallet.close();
  });

  it('hands its tokens to exactly one of many concurrent claims spread over both replicas', async () => {
    const wallet = new TestWallet();
    const login = await begin(a);
    await wallet.login(login.portal_url, { approve: { grantedPermissions: [], sessionToken: 'race' } });
    await waitForLogin(b.url, login, 'approved');
    const claims = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        requestJson('GET', (i % 2 ? a : b).url + login.status_url, { headers: withSecret(login) }),
      ),
    );
    const winners = claims.filter((claim) => typeof claim.body.access_token === 'string');
    expect(winners).toHaveLength(1);
    handedOut.push(winners[0]!.body.access_token, winners[0]!.body.refresh_token);
    expect(verifyJwt(service.publicKey, winners[0]!.body.access_token).target_key).toBe(wallet.mainKey);
    // The losers answer with the status alone (a loser that read the status before the winner's claim still says claimed: false).
    for (const claim of claims) expect(claim.body.status).toBe('approved');
    // Later polls on either replica still get no tokens.
    for (const replica of [a, b]) {
      const again = await requestJson('GET', replica.url + login.status_url, { headers: withSecret(login) });
      expect(again.body.access_token).toBeUndefined();
      expect(again.body.claimed).toBe(true);
    }
    await wallet.close();
  });
});

describeWithRedis('a logout on one replica', () => {
  it('revokes the access token on the other replica within a second, and ends the session there', async () => {
    const wallet = new TestWallet();
    const session = await signIn(wallet, a, a);
    expect((await api(b, session.access_token)).status).toBe(200);

    const since = performance.now();
    const out = requestJson('POST', `${a.url}/auth/logout`, { token: session.access_token });
    const elapsed = await msUntilRevoked(b, session.access_token, since);
    expect((await out).status).toBe(200);
    expect(elapsed).toBeLessThan(PROPAGATION_LIMIT_MS);

    const refused = await refresh(b.url, session.refresh_token);
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('ERR_REFRESH_TOKEN_INVALID');
    await wallet.close();
  });

  it('logout-all revokes every session of the user on the other replica within a second', async () => {
    const wallet = new TestWallet();
    const first = await signIn(wallet, a, b);
    const second = await signIn(wallet, b, b);
    const stranger = new TestWallet();
    const other = await signIn(stranger, b, a);
    for (const token of [first.access_token, second.access_token, other.access_token])
      expect((await api(b, token)).status).toBe(200);

    const since = performance.now();
    const out = requestJson('POST', `${a.url}/auth/logout-all`, { token: first.access_token });
    // The second session never went through replica A: only the user's watermark can revoke it there.
    const elapsed = await msUntilRevoked(b, second.access_token, since);
    expect((await out).body).toMatchObject({ status: 'logged_out_everywhere', sessions_revoked: 2 });
    expect(elapsed).toBeLessThan(PROPAGATION_LIMIT_MS);

    expect((await api(b, first.access_token)).body.error).toBe('ERR_TOKEN_REVOKED');
    for (const session of [first, second]) expect((await refresh(b.url, session.refresh_token)).status).toBe(401);
    expect((await api(b, other.access_token)).status).toBe(200);
    await wallet.close();
    await stranger.close();
  });
});

describeWithRedis('refresh rotation across replicas', () => {
  it('continues a chain on either replica and detects a token rotated on one replica reused on the other', async () => {
    const wallet = new TestWallet();
    const r0 = await signIn(wallet, b, a);
    const r1 = await refresh(a.url, r0.refresh_token);
    expect(r1.status).toBe(200);
    const r2 = await refresh(b.url, r1.body.refresh_token);
    expect(r2.status).toBe(200);
    handedOut.push(r1.body.refresh_token, r1.body.access_token, r2.body.refresh_token, r2.body.access_token);
    expect(verifyJwt(service.publicKey, r2.body.access_token)).toMatchObject({
      target_key: wallet.mainKey,
      sid: r0.session_id,
    });

    // r0 was rotated on A; presented to B it is a reuse, which ends the whole family on both replicas.
    const reused = await refresh(b.url, r0.refresh_token);
    expect(reused.status).toBe(401);
    expect(reused.body.error).toBe('ERR_REFRESH_TOKEN_REUSED');
    for (const replica of [a, b]) {
      const dead = await refresh(replica.url, r2.body.refresh_token);
      expect(dead.status).toBe(401);
      expect(dead.body.error).toBe('ERR_REFRESH_TOKEN_INVALID');
    }
    await wallet.close();
  });
});

describeWithRedis('logs', () => {
  it('never contain a token or a login secret handed out by either replica', () => {
    expect(handedOut.length).toBeGreaterThan(10);
    const logs = a.output() + b.output();
    expect(logs).toContain('"msg":"request"');
    for (const secret of handedOut) expect(logs).not.toContain(secret);
  });
});
