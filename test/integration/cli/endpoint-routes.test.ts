/**
 * `check-config` and `serve` on routes that meet the gateway's own endpoints: one on an endpoint is an
 * error naming the route key; one containing endpoints starts, with one warning naming the shadowed
 * paths and gatewayPrefix as the way out.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as checkConfig from '../../../src/cli/check-config.js';
import { stopChild } from '../../support/child-process.js';
import { runInProcess } from '../../cli/helpers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const upstream = 'http://127.0.0.1:9';

function configFile(config: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pg-endpoints-'));
  const path = join(dir, 'gateway.json');
  // A relay named (none listens there) so that the only warning is the one under test.
  writeFileSync(
    path,
    JSON.stringify({ relays: ['ws://127.0.0.1:9'], dataDir: join(dir, 'data'), listen: { port: 0 }, ...config }),
  );
  return path;
}

describe('check-config', () => {
  it('rejects a route on a gateway endpoint, naming the route key', async () => {
    const { code, stderr } = await runInProcess(checkConfig.run, [
      '--config',
      configFile({
        routes: [
          { prefix: '/api', upstream },
          { prefix: '/metrics', upstream },
        ],
      }),
    ]);
    expect(code).toBe(1);
    expect(stderr).toContain('routes[1].prefix: "/metrics" is the gateway\'s own endpoint /metrics');
  });

  it('accepts routes that contain endpoints with one warning naming them and gatewayPrefix', async () => {
    const { code, stdout, stderr } = await runInProcess(checkConfig.run, [
      '--config',
      configFile({
        routes: [
          { prefix: '/', upstream },
          { prefix: '/admin', upstream },
        ],
      }),
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain('OK — 2 routes');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^warning: /);
    expect(stderr).toContain('routes[0] ("/"): /auth/login, ');
    expect(stderr).toContain('routes[1] ("/admin"): /admin/tokens, /admin/relays');
    expect(stderr).toContain('gatewayPrefix');
  });

  it('has nothing to warn about once the endpoints moved under gatewayPrefix', async () => {
    const { code, stderr } = await runInProcess(checkConfig.run, [
      '--config',
      configFile({
        gatewayPrefix: '/.portal',
        routes: [
          { prefix: '/', upstream },
          { prefix: '/admin', upstream },
        ],
      }),
    ]);
    expect(code).toBe(0);
    expect(stderr).toBe('');
  });
});

describe('serve', () => {
  it('starts with the warning, and the gateway answers the shadowed path itself', async () => {
    const child = spawn(
      process.execPath,
      ['dist/cli.js', 'serve', '--config', configFile({ routes: [{ prefix: '/admin', upstream }] })],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    try {
      let stderr = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stderr.setEncoding('utf8').on('data', (text: string) => {
          stderr += text;
          const listening = /listening on (http:\/\/\S+)/.exec(stderr);
          if (listening) resolve(listening[1]!);
        });
        child.once('exit', () => reject(new Error(`serve exited: ${stderr}`)));
      });
      expect(stderr.split('\n').filter((line) => line.startsWith('warning: '))).toEqual([
        expect.stringContaining('routes[0] ("/admin"): /admin/tokens, /admin/relays'),
      ]);
      // The gateway's own endpoint, not the (unreachable) upstream: 401 without the admin credential.
      const response = await fetch(`${url}/admin/relays`);
      expect([response.status, ((await response.json()) as { error: string }).error]).toEqual([
        401,
        'ERR_AUTH_REQUIRED',
      ]);
    } finally {
      await stopChild(child, 'SIGTERM');
    }
  });
});
