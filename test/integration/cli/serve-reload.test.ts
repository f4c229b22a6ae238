/**
 * SIGHUP reloads the relay list of a running `portal-gateway serve` (the real program in a child
 * process, real relay processes): the start-up rules decide the list, the difference is applied, a
 * bad file keeps the old list and logs why.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../../src/index.js';
import { closedPort } from '../../support/echo-upstream.js';
import { startRelayProcess, type RelayProcess } from '../../support/relay-process.js';

const cli = fileURLToPath(new URL('../../../src/cli.ts', import.meta.url));
const ADMIN_SECRET = generateKeyPair().secretKey;

interface RelayView {
  url: string;
  state: string;
  counters: { reconnects: number };
}

let relayA: RelayProcess;
let relayB: RelayProcess;
let child: ChildProcess | undefined;

beforeAll(async () => {
  [relayA, relayB] = await Promise.all([startRelayProcess(), startRelayProcess()]);
});

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await Promise.all([relayA?.stop(), relayB?.stop()]);
});

describe('serve: SIGHUP', () => {
  it('reloads the relays by the start-up rules, applies the difference, and keeps the list when the file is bad', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-reload-'));
    const port = await closedPort();
    const configFile = join(dir, 'gateway.json');
    const relaysFile = join(dir, 'relays.json');
    const base = {
      listen: { port },
      dataDir: join(dir, 'data'),
      logLevel: 'info',
      admin: { secret: ADMIN_SECRET },
      routes: [],
    };
    // No `relays` in the config: the relays file decides, as at start-up.
    writeFileSync(configFile, JSON.stringify(base));
    writeFileSync(relaysFile, JSON.stringify({ relays: [{ url: relayA.url }] }));

    const env: NodeJS.ProcessEnv = { ...process.env, PORTAL_RELAYS_CONFIG: relaysFile };
    delete env.PORTAL_RELAYS;
    delete env.PORTAL_SERVICE_KEY;
    const gateway = spawn(process.execPath, ['--import', 'tsx', cli, 'serve', '--config', configFile], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = gateway;
    let stdout = '';
    let stderr = '';
    gateway.stdout.on('data', (d: Buffer) => (stdout += d));
    gateway.stderr.on('data', (d: Buffer) => (stderr += d));
    await until(
      () => stderr.includes('listening on'),
      () => `gateway did not start: ${stderr}`,
    );

    const relays = async (): Promise<RelayView[]> => {
      const response = await fetch(`http://127.0.0.1:${port}/admin/relays`, {
        headers: { authorization: `Bearer ${ADMIN_SECRET}` },
      });
      return ((await response.json()) as { relays: RelayView[] }).relays;
    };
    const reloadAndWait = async (wanted: string[]) => {
      gateway.kill('SIGHUP');
      let seen: string[] = [];
      await untilAsync(
        async () => {
          seen = (await relays()).map((r) => r.url);
          return JSON.stringify(seen) === JSON.stringify(wanted);
        },
        () => `relays are ${JSON.stringify(seen)}, wanted ${JSON.stringify(wanted)}; log: ${stdout}`,
      );
    };
    const openA = async () =>
      untilAsync(
        async () => (await relays()).find((r) => r.url === relayA.url)?.state === 'open',
        () => 'relay A never opened',
      );

    expect((await relays()).map((r) => r.url)).toEqual([relayA.url]);
    await openA();

    // The relays file gains B: B is connected, A keeps its connection.
    writeFileSync(relaysFile, JSON.stringify({ relays: [{ url: relayA.url }, { url: relayB.url }] }));
    await reloadAndWait([relayA.url, relayB.url]);
    expect((await relays()).find((r) => r.url === relayA.url)).toMatchObject({
      state: 'open',
      counters: { reconnects: 0 },
    });
    await until(
      () => stdout.includes('relays reloaded: 1 added, 0 removed'),
      () => `no reload log line: ${stdout}`,
    );

    // `relays` in the config file wins over the relays file, as at start-up: A goes away.
    writeFileSync(configFile, JSON.stringify({ ...base, relays: [relayB.url] }));
    await reloadAndWait([relayB.url]);

    // A config file that is not JSON changes nothing and says why.
    writeFileSync(configFile, '{ "relays": [ ');
    gateway.kill('SIGHUP');
    await until(
      () => stdout.includes('relay reload failed'),
      () => `no error logged: ${stdout}`,
    );
    expect(stdout).toMatch(/relay reload failed, keeping the current 1 relay\(s\): .*gateway\.json: is not valid JSON/);
    expect((await relays()).map((r) => r.url)).toEqual([relayB.url]);

    // Neither does a relay URL that does not validate.
    writeFileSync(configFile, JSON.stringify({ ...base, relays: [relayA.url, 'https://not-a-relay.example'] }));
    const failuresBefore = stdout.split('relay reload failed').length;
    gateway.kill('SIGHUP');
    await until(
      () => stdout.split('relay reload failed').length > failuresBefore,
      () => `no second error logged: ${stdout}`,
    );
    expect(stdout).toContain('relays[1]: must be a ws:// or wss:// URL');
    expect((await relays()).map((r) => r.url)).toEqual([relayB.url]);
    expect(stdout).not.toContain(ADMIN_SECRET);

    // Still serving, and SIGTERM still stops it cleanly.
    const exited = new Promise<number | null>((resolve) => gateway.once('exit', resolve));
    gateway.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});

async function until(condition: () => boolean, message: () => string, timeoutMs = 20_000): Promise<void> {
  return untilAsync(async () => condition(), message, timeoutMs);
}

async function untilAsync(condition: () => Promise<boolean>, message: () => string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(message());
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
