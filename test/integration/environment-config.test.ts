/**
 * The container case: `serve` with no config file, configured by environment variables alone (routes
 * as JSON, the service key from a file), in front of a real upstream. A bad value stops it with the
 * variable named.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, issueJwt } from '../../src/index.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.js';
import { startGatewayFromEnvironment, type GatewayProcess } from '../support/gateway-process.js';
import { requestJson } from '../support/http-json.js';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const service = generateKeyPair();
const user = generateKeyPair();
let upstream: EchoUpstream;
let gateway: GatewayProcess;

beforeAll(async () => {
  upstream = await startEchoUpstream();
  const keyFile = join(mkdtempSync(join(tmpdir(), 'pg-env-key-')), 'service-key');
  writeFileSync(keyFile, `${service.nsec}\n`, { mode: 0o600 });
  gateway = await startGatewayFromEnvironment({
    PORTAL_ROUTES: JSON.stringify([
      { prefix: '/api', upstream: upstream.url, auth: 'required', rewritePrefix: '/' },
      { prefix: '/public', upstream: upstream.url, auth: 'public' },
    ]),
    PORTAL_RELAYS: '[]',
    PORTAL_SERVICE_KEY_FILE: keyFile,
    PORTAL_STORE_KIND: 'memory',
    PORTAL_TOKENS_CLOCK_TOLERANCE_SEC: '0',
  });
});

afterAll(async () => {
  await gateway?.stop();
  await upstream?.close();
});

/** `serve` as a container runs it: no arguments, only `env`; resolves when it exits. */
function serveOnce(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const childEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PORTAL_'))),
    ...env,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve'], {
    cwd: ROOT,
    env: childEnv,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}

describe('serve configured by the environment alone', () => {
  it('serves the routes named by PORTAL_ROUTES with the key from PORTAL_SERVICE_KEY_FILE', async () => {
    expect(gateway.output()).toContain(`service key: ${service.npub}`);
    expect(gateway.output()).toMatch(/\/api\s+-> http:\/\/127\.0\.0\.1:\d+ {2}\(required\)/);
    expect(gateway.output()).not.toContain('Try it'); // not the demo

    const token = issueJwt(service.secretKey, user.publicKey, 1);
    const proxied = await requestJson('GET', `${gateway.url}/api/items?x=1`, { token });
    expect(proxied.status).toBe(200);
    expect(proxied.body.url).toBe('/items?x=1');
    expect(proxied.body.headers['x-portal-target-key']).toBe(user.publicKey);

    expect((await requestJson('GET', `${gateway.url}/api/items`)).status).toBe(401);
    expect((await requestJson('GET', `${gateway.url}/public/hello`)).status).toBe(200);
    const wellKnown = await requestJson('GET', `${gateway.url}/.well-known/portal-gateway`);
    expect(wellKnown.body.relays).toEqual([]);
  });

  it('takes the file named by PORTAL_CONFIG, the environment beating it (check-config)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pg-env-config-')), 'gateway.json');
    writeFileSync(
      file,
      JSON.stringify({
        listen: { port: 1234 },
        relays: [],
        store: { kind: 'memory' },
        routes: [{ prefix: '/api', upstream: upstream.url }],
      }),
    );
    const check = (env: Record<string, string>) => {
      const childEnv = {
        ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('PORTAL_'))),
        PORTAL_CONFIG: file,
        ...env,
      };
      return spawnSync(process.execPath, ['--import', 'tsx', CLI, 'check-config'], {
        cwd: ROOT,
        env: childEnv,
        encoding: 'utf8',
        timeout: 30_000,
      });
    };
    const ok = check({ PORTAL_LISTEN_PORT: '4321' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain(`${file}: OK — 1 route, listen 127.0.0.1:4321`);
    const bad = check({ PORTAL_TOKENS_ACCESS_TTL_SEC: '1' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('PORTAL_TOKENS_ACCESS_TTL_SEC: must be an integer from 10 to');
  });

  it('exits non-zero naming the variable of a bad value', async () => {
    const routes = JSON.stringify([{ prefix: '/api', upstream: upstream.url }]);
    const badPort = await serveOnce({
      PORTAL_ROUTES: routes,
      PORTAL_RELAYS: '[]',
      PORTAL_STORE_KIND: 'memory',
      PORTAL_LISTEN_PORT: 'eighty',
    });
    expect(badPort.code).toBe(1);
    expect(badPort.stderr).toContain('PORTAL_LISTEN_PORT: must be an integer from 0 to 65535');

    const badRoutes = await serveOnce({ PORTAL_ROUTES: '[{"prefix":"/api"', PORTAL_STORE_KIND: 'memory' });
    expect(badRoutes.code).toBe(1);
    expect(badRoutes.stderr).toContain('PORTAL_ROUTES: is not valid JSON');
  });
});
