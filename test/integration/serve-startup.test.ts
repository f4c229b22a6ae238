/**
 * `serve` fails fast: every start-up failure ends the process within 5 s, non-zero, with one line naming
 * the cause and the fix, even when the gateway has already opened relay connections. `--host` and
 * `--port` win over the config file and the environment.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedRelay, type EmbeddedRelay } from '../../src/nostr/embedded-relay.js';
import { runCli, startCli, type CliRun } from '../support/built-cli.js';
import { closedPort, startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.js';

const FAIL_FAST_MS = 5000;
const LISTENING = /portal-gateway listening on (http:\/\/\S+)/;

let relay: EmbeddedRelay;
let upstream: EchoUpstream;
let busy: Server;
let busyPort: number;
let dir: string;

/** A config file over loopback defaults, with a real relay (its open connection must not keep a failed process alive). */
function configFile(name: string, fields: Record<string, unknown>): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    JSON.stringify({
      dataDir: join(dir, `${name}-data`),
      logLevel: 'warn',
      relays: [relay.url],
      routes: [{ prefix: '/api', upstream: upstream.url, auth: 'public' }],
      ...fields,
    }),
  );
  return path;
}

/** Exit 1, within the limit, and exactly one line on stderr. */
function expectFailedFast(run: CliRun): string {
  expect(run.code, run.stderr).toBe(1);
  expect(run.ms).toBeLessThan(FAIL_FAST_MS);
  const lines = run.stderr.split('\n').filter((line) => line !== '');
  expect(lines, run.stderr).toHaveLength(1);
  return lines[0]!;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pg-startup-'));
  relay = await startEmbeddedRelay();
  upstream = await startEchoUpstream();
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  busyPort = (busy.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((resolve) => busy?.close(resolve));
  await upstream?.close();
  await relay?.close();
});

describe('serve exits at once when it cannot start', () => {
  it('a busy port, named with the three ways to choose another', async () => {
    const line = expectFailedFast(
      await runCli(['serve', '--config', configFile('busy.json', { listen: { host: '127.0.0.1', port: busyPort } })]),
    );
    expect(line).toMatch(/^ERR_LISTEN: 127\.0\.0\.1:\d+ is already in use/);
    for (const way of ['listen.port', 'PORTAL_GATEWAY_PORT', '--port']) expect(line).toContain(way);
  });

  it('a busy port on embedded defaults (no --config), from the environment or --port', async () => {
    const fromEnv = expectFailedFast(
      await runCli(['serve'], {
        env: { PORTAL_GATEWAY_PORT: String(busyPort), PORTAL_DATA_DIR: join(dir, 'embedded') },
      }),
    );
    expect(fromEnv).toContain(`127.0.0.1:${busyPort} is already in use`);
    const fromFlag = expectFailedFast(
      await runCli(['serve', '--port', String(busyPort)], { env: { PORTAL_DATA_DIR: join(dir, 'embedded') } }),
    );
    expect(fromFlag).toContain(`127.0.0.1:${busyPort} is already in use`);
  });

  it('an unreadable key file', async () => {
    const config = configFile('keyfile.json', { listen: { host: '127.0.0.1', port: 0 } });
    const line = expectFailedFast(
      await runCli(['serve', '--config', config], { env: { PORTAL_SERVICE_KEY_FILE: join(dir, 'no-such-key') } }),
    );
    expect(line).toMatch(/^ERR_CONFIG_INVALID: .*PORTAL_SERVICE_KEY_FILE: the file cannot be read \(ENOENT\)/);
  });

  it('an unreadable assertion key file, named by the variable that set it', async () => {
    const config = configFile('assertion-keyfile.json', { listen: { host: '127.0.0.1', port: 0 } });
    const missing = join(dir, 'no-such-assertion-key');
    const line = expectFailedFast(
      await runCli(['serve', '--config', config], { env: { PORTAL_ASSERTION_KEY_FILE: missing } }),
    );
    expect(line).toContain(
      `ERR_CONFIG_INVALID: invalid configuration: assertion.keyFile: cannot read ${missing} (ENOENT) (set by PORTAL_ASSERTION_KEY_FILE)`,
    );
  });

  it('an unreachable Redis', async () => {
    const config = configFile('redis.json', {
      listen: { host: '127.0.0.1', port: 0 },
      store: { kind: 'redis', url: `redis://127.0.0.1:${await closedPort()}/0` },
    });
    const line = expectFailedFast(await runCli(['serve', '--config', config]));
    expect(line).toMatch(/^ERR_STORE_UNAVAILABLE: .*ECONNREFUSED.*: start Redis or correct store\.url$/);
  });

  it('an invalid config, every problem on the one line', async () => {
    const config = configFile('invalid.json', {
      listen: { port: 'eighty' },
      routes: [{ prefix: '/api', upstream: 'http://user:pw@127.0.0.1:1/base', auth: 'maybe' }],
    });
    const line = expectFailedFast(await runCli(['serve', '--config', config]));
    expect(line).toMatch(/^ERR_CONFIG_INVALID: invalid configuration: /);
    expect(line).toContain('listen.port: must be an integer');
    expect(line).toContain('routes[0].upstream: must not contain credentials');
    expect(line).toContain('routes[0].auth: must be one of');
    expect(line).not.toContain('pw@');
  });

  it('a bad --port or --host is a usage error (exit 2)', async () => {
    const port = await runCli(['serve', '--port', '70000']);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('--port must be a port number from 0 to 65535');
    const host = await runCli(['serve', '--host=']);
    expect(host.code).toBe(2);
  });
});

describe('--host and --port', () => {
  it('win over the config file and the environment', async () => {
    const free = await closedPort();
    const config = configFile('override.json', { listen: { host: '10.255.255.1', port: busyPort } });
    const gateway = await startCli(
      ['serve', '--config', config, '--host', '127.0.0.1', '--port', String(free)],
      LISTENING,
      {
        env: { PORTAL_GATEWAY_HOST: '10.255.255.2', PORTAL_GATEWAY_PORT: String(busyPort) },
      },
    );
    try {
      expect(gateway.match[1]).toBe(`http://127.0.0.1:${free}`);
      const response = await fetch(`http://127.0.0.1:${free}/api/hello`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { url: string }).url).toBe('/api/hello');
    } finally {
      await gateway.stop();
    }
    expect(gateway.child.exitCode).toBe(0);
  });
});
