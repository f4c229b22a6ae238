/** `serve` and `check-config` as a user runs them: the real program in a child process. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, issueJwt } from '../../../src/index.js';
import { closedPort, startEchoUpstream, type EchoUpstream } from '../../support/echo-upstream.js';

const cli = fileURLToPath(new URL('../../../src/cli.ts', import.meta.url));
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 30_000,
  });

let upstream: EchoUpstream;
beforeAll(async () => {
  upstream = await startEchoUpstream();
});
afterAll(async () => upstream?.close());

describe('check-config', () => {
  it('accepts a valid file and rejects a bad one listing every problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-config-'));
    const good = join(dir, 'good.json');
    writeFileSync(
      good,
      JSON.stringify({ relays: [], routes: [{ prefix: '/api', upstream: upstream.url, auth: 'required' }] }),
    );
    const ok = run(['check-config', '--config', good]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('OK — 1 route');

    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({ listen: { port: -1 }, routes: [{ prefix: '/x', upstream: 'nope', auth: 'maybe' }] }),
    );
    const failed = run(['check-config', '--config', bad]);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain('ERR_CONFIG_INVALID');
    expect(failed.stderr).toContain('listen.port');
    expect(failed.stderr).toContain('routes[0].upstream');
    expect(failed.stderr).toContain('routes[0].auth');

    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ "routes": [ ');
    const syntax = run(['check-config', '--config', broken]);
    expect(syntax.status).toBe(1);
    expect(syntax.stderr).toContain('is not valid JSON');
  });
});

describe('serve', () => {
  it('keeps a generated service key across restarts and drains in-flight requests on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-serve-'));
    const port = await closedPort();
    const config = join(dir, 'gateway.json');
    writeFileSync(
      config,
      JSON.stringify({
        listen: { port },
        dataDir: join(dir, 'data'),
        logLevel: 'warn',
        relays: [],
        routes: [{ prefix: '/api', upstream: upstream.url, auth: 'required' }],
      }),
    );
    const start = async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', cli, 'serve', '--config', config], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`gateway did not start: ${stderr}`)), 20_000);
        child.stderr.on('data', () => {
          if (stderr.includes('listening on')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      return { child, stderr: () => stderr };
    };

    const first = await start();
    const npub = /service key: (npub1\w+) \(new, kept in/.exec(first.stderr())?.[1];
    expect(npub).toBeDefined();
    const secret = readFileSync(join(dir, 'data', 'service-key'), 'utf8').trim();
    const user = generateKeyPair();
    const token = issueJwt(secret, user.publicKey, 1);
    // A slow request in flight when SIGTERM arrives still completes.
    const inFlight = fetch(`http://127.0.0.1:${port}/api/slow/700`, { headers: { authorization: `Bearer ${token}` } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const exited = new Promise<number | null>((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGTERM');
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await exited).toBe(0);
    expect(first.stderr()).toContain('SIGTERM: draining');

    const second = await start();
    expect(second.stderr()).toContain(`service key: ${npub} (from the key file ${join(dir, 'data', 'service-key')})`);
    const again = await fetch(`http://127.0.0.1:${port}/api/x`, { headers: { authorization: `Bearer ${token}` } });
    expect(again.status).toBe(200);
    second.child.kill('SIGTERM');
    await new Promise((resolve) => second.child.once('exit', resolve));
  });
});
