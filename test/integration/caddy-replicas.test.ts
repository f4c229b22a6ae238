/**
 * The topology of deploy/compose.yaml without a container engine: two `serve` processes configured by
 * environment variables only, sharing a real redis-server, behind a real Caddy running
 * deploy/Caddyfile (TLS from its internal CA). A wallet signs in through Caddy over HTTPS, then
 * requests with the token, through Caddy, reach the upstream by way of both replicas.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, setGlobalDispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, verifyJwt } from '../../src/index.js';
import { findCaddy, startCaddy, type Caddy } from '../support/caddy.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.js';
import { startGatewayFromEnvironment, type GatewayProcess } from '../support/gateway-process.js';
import { requestJson } from '../support/http-json.js';
import { signInWithWallet, waitForRelay } from '../support/login-client.js';
import { redisTestsSkipped } from '../support/redis-binary.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { startRelayProcess, type RelayProcess } from '../support/relay-process.js';
import { TestWallet } from '../support/wallet.js';

// Like the Redis tests: skipped with a notice where caddy or redis-server is missing, never under CI=true.
const caddyMissing = findCaddy() === undefined && process.env.CI !== 'true';
if (caddyMissing)
  console.warn(
    'Caddy test skipped: no caddy on the PATH (apt-get install caddy, or set CADDY_BIN); with CI=true it fails instead.',
  );
const describeTopology = caddyMissing || redisTestsSkipped() ? describe.skip : describe;

describeTopology('two replicas configured by environment, sharing Redis, behind Caddy terminating TLS', () => {
  const service = generateKeyPair();
  let redis: RedisServer;
  let relay: RelayProcess;
  let upstream: EchoUpstream;
  let replicas: GatewayProcess[] = [];
  let caddy: Caddy;

  beforeAll(async () => {
    [redis, relay, upstream] = await Promise.all([startRedisServer(), startRelayProcess(), startEchoUpstream()]);
    const secrets = mkdtempSync(join(tmpdir(), 'pg-caddy-secrets-'));
    writeFileSync(join(secrets, 'service-key'), `${service.secretKey}\n`, { mode: 0o600 });
    writeFileSync(join(secrets, 'redis-url'), `${redis.url}/0\n`, { mode: 0o600 });
    // What compose.yaml gives each replica, with loopback addresses for the other services.
    const env = {
      PORTAL_ROUTES: JSON.stringify([{ prefix: '/api', upstream: upstream.url, auth: 'required' }]),
      PORTAL_STORE_KIND: 'redis',
      PORTAL_STORE_URL_FILE: join(secrets, 'redis-url'),
      PORTAL_SERVICE_KEY_FILE: join(secrets, 'service-key'),
      PORTAL_TRUST_PROXY: 'true',
      PORTAL_RELAYS: relay.url,
      PORTAL_LOG_LEVEL: 'info', // request lines: which replica served what
    };
    replicas = await Promise.all([startGatewayFromEnvironment(env), startGatewayFromEnvironment(env)]);
    await Promise.all(replicas.map((replica) => waitForRelay(replica.url)));
    caddy = await startCaddy(replicas.map((replica) => new URL(replica.url).host));
    // Every fetch of this file trusts Caddy's internal CA (and only the system's roots besides).
    setGlobalDispatcher(new Agent({ connect: { ca: caddy.rootCertificate } }));
  }, 90_000);

  afterAll(async () => {
    await caddy?.stop();
    await Promise.all(replicas.map((replica) => replica.stop()));
    await Promise.all([upstream?.close(), relay?.stop(), redis?.stop()]);
  });

  it('signs a wallet in over HTTPS, and its token reaches the upstream through both replicas', async () => {
    expect(caddy.url).toMatch(/^https:\/\/localhost:\d+$/);
    const wallet = new TestWallet();
    try {
      const tokens = await signInWithWallet(caddy.url, wallet);
      expect(verifyJwt(service.publicKey, tokens.access_token).target_key).toBe(wallet.mainKey);

      const paths = Array.from({ length: 8 }, (_, i) => `/api/through-caddy/${i}`);
      for (const path of paths) {
        const { status, body } = await requestJson('GET', caddy.url + path, { token: tokens.access_token });
        expect(status).toBe(200);
        expect(body.url).toBe(path);
        expect(body.headers['x-portal-target-key']).toBe(wallet.mainKey);
        expect(body.headers['x-forwarded-proto']).toBe('https');
      }
      // Caddy balances round robin: each request is logged by exactly one replica, and each replica served some.
      // (A request line is written once the answer has gone out: wait for the last ones.)
      const servedBy = () => replicas.map((replica) => paths.filter((path) => replica.output().includes(`"${path}"`)));
      const deadline = Date.now() + 5000;
      while (servedBy().flat().length < paths.length && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 25));
      const served = servedBy();
      expect(served[0]!.length + served[1]!.length).toBe(paths.length);
      expect(served[0]!.length).toBeGreaterThan(0);
      expect(served[1]!.length).toBeGreaterThan(0);

      // Without the token Caddy passes on the gateway's answer.
      const anonymous = await requestJson('GET', `${caddy.url}/api/through-caddy/x`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.error).toBe('ERR_AUTH_REQUIRED');
    } finally {
      await wallet.close();
    }
  });
});
