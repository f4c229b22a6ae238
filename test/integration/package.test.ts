/**
 * The published package as a user gets it: `npm pack`, then `npm install ./portal-gateway-*.tgz` in an
 * empty directory, then the installed program through npx: --help, keygen, check-config and serve with
 * a config (on the default SQLite store, so the native modules are exercised). The tarball holds no
 * tests or benchmarks.
 *
 * Install speed: dependencies come from the npm cache when it has them (--prefer-offline). better-sqlite3
 * would compile SQLite from source when its prebuilt binary cannot be downloaded (minutes on a busy
 * machine), so the binary this checkout already built is offered to it as a local prebuild
 * (prebuild-install's `local_prebuilds` setting); a different version is still compiled.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueJwt } from '../../src/index.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// Seconds with the local prebuild; minutes when a newer better-sqlite3 has to be compiled.
const INSTALL_TIMEOUT_MS = 420_000;
const work = mkdtempSync(join(tmpdir(), 'pg-package-'));
const app = join(work, 'app');
let tarball: string;
let upstream: EchoUpstream;

/** The environment of a user's shell: nothing of the test runner's PORTAL_* settings. */
const userEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('PORTAL_') && !name.startsWith('npm_')),
  ),
  ...extra,
});

const npx = (args: string[], env: Record<string, string> = {}) =>
  spawnSync('npx', ['portal-gateway', ...args], { cwd: app, env: userEnv(env), encoding: 'utf8', timeout: 60_000 });

/** A tarball of the better-sqlite3 binary already built here, named as prebuild-install looks for it. */
function localPrebuilds(): string {
  const dir = join(work, 'prebuilds');
  mkdirSync(dir);
  const version = (
    JSON.parse(readFileSync(join(ROOT, 'node_modules/better-sqlite3/package.json'), 'utf8')) as { version: string }
  ).version;
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  execFileSync('tar', [
    '-czf',
    join(dir, name),
    '-C',
    join(ROOT, 'node_modules/better-sqlite3'),
    'build/Release/better_sqlite3.node',
  ]);
  return dir;
}

beforeAll(async () => {
  upstream = await startEchoUpstream();
  // --ignore-scripts: the build of this test run is packed (prepack would rebuild dist/ under the other tests).
  const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
    cwd: ROOT,
    env: userEnv(),
    encoding: 'utf8',
  });
  tarball = join(work, (JSON.parse(packed) as { filename: string }[])[0]!.filename);
  mkdirSync(app);
  const install = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], {
    cwd: app,
    env: userEnv({ npm_config_better_sqlite3_local_prebuilds: localPrebuilds() }),
    encoding: 'utf8',
    timeout: INSTALL_TIMEOUT_MS,
  });
  if (install.status !== 0)
    throw new Error(`npm install of the tarball failed (${install.status ?? install.signal}):\n${install.stderr}`);
}, INSTALL_TIMEOUT_MS + 60_000);

afterAll(async () => upstream?.close());

describe('the packed tarball', () => {
  it('holds the built program and no tests, benchmarks or sources', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
    expect(files).toContain('package/dist/cli.js');
    expect(files).toContain('package/dist/index.d.ts');
    expect(files).toContain('package/README.md');
    expect(files.filter((file) => /^package\/(test|bench|src)\/|\.test\.|(^|\/)\.portal-gateway\//.test(file))).toEqual(
      [],
    );
  });

  it('installs into an empty directory and runs --help, keygen and check-config through npx', () => {
    const help = npx(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: portal-gateway <command>');
    expect(help.stdout).toContain('serve');

    const keygen = npx(['keygen', '--json']);
    expect(keygen.status).toBe(0);
    expect(JSON.parse(keygen.stdout).npub).toMatch(/^npub1/);

    writeFileSync(join(app, 'bad.json'), JSON.stringify({ routes: [{ prefix: '/api', upstream: 'nope' }] }));
    const bad = npx(['check-config', '--config', 'bad.json']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('routes[0].upstream');
  }, 120_000);

  it('serves with a config, on the SQLite store, in front of an upstream', async () => {
    const key = JSON.parse(npx(['keygen', '--json']).stdout) as { secretKey: string; publicKey: string };
    writeFileSync(
      join(app, 'gateway.json'),
      JSON.stringify({
        listen: { host: '127.0.0.1', port: 0 },
        dataDir: 'data',
        relays: [],
        routes: [{ prefix: '/api', upstream: upstream.url, auth: 'required' }],
      }),
    );
    const check = npx(['check-config', '--config', 'gateway.json'], { PORTAL_SERVICE_KEY: key.secretKey });
    expect(check.status).toBe(0);
    expect(check.stdout).toContain('OK — 1 route');

    // Its own process group: npx runs the program in a child, and the whole group gets the SIGTERM.
    const serve = spawn('npx', ['portal-gateway', 'serve', '--config', 'gateway.json'], {
      cwd: app,
      env: userEnv({ PORTAL_SERVICE_KEY: key.secretKey }),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    serve.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // 'close': the pipes are shared with the program npx started, so they close when it has exited too.
    const exited = new Promise<void>((resolve) => serve.once('close', () => resolve()));
    let url: string;
    try {
      url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`serve did not start:\n${stderr}`)), 60_000);
        serve.stderr.on('data', () => {
          const match = /listening on (http:\/\/\S+)/.exec(stderr);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
      });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const response = await fetch(`${url}/api/items`, {
        headers: { authorization: `Bearer ${issueJwt(key.secretKey, key.publicKey, 1)}` },
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { headers: Record<string, string> }).headers['x-portal-target-key']).toBe(
        key.publicKey,
      );
      expect((await fetch(`${url}/api/items`)).status).toBe(401);
    } finally {
      process.kill(-serve.pid!, 'SIGTERM');
    }
    // npx itself dies of the signal; the program drains and stops listening.
    await exited;
    expect(stderr).toContain('SIGTERM: draining in-flight requests');
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  }, 120_000);
});
