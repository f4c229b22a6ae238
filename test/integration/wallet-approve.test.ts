/**
 * The offline loop on one's own config: `serve --dev` with a config that names no relays runs a local
 * relay, a login is started over HTTP, and `portal-gateway wallet approve <url>` in a child process
 * completes it (or declines it) as a phone wallet would; the tokens then work on a protected route.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/keys/nostr-keys.js';
import { buildHandshakeUrl, randomHandshakeToken } from '../../src/nostr/handshake-url.js';
import { runCli, startCli, type RunningCli } from '../support/built-cli.js';
import { closedPort, startEchoUpstream, type EchoReply, type EchoUpstream } from '../support/echo-upstream.js';
import { refresh, requestJson } from '../support/http-json.js';

const LISTENING =
  /portal-gateway listening on (http:\/\/\S+)[\s\S]*\(--dev: [^\n]*local relay runs at (ws:\/\/127\.0\.0\.1:\d+)/;

let upstream: EchoUpstream;
let gateway: RunningCli;
let base: string;
let devRelayUrl: string;
let dir: string;
let configPath: string;

beforeAll(async () => {
  upstream = await startEchoUpstream();
  dir = mkdtempSync(join(tmpdir(), 'pg-wallet-'));
  configPath = join(dir, 'gateway.json');
  // No relays: the file names none, and relays.config.json (in the working directory) must not count with --dev.
  writeFileSync(
    configPath,
    JSON.stringify({
      listen: { host: '127.0.0.1', port: 0 },
      dataDir: join(dir, 'data'),
      logLevel: 'warn',
      routes: [{ prefix: '/api', upstream: upstream.url, auth: 'required' }],
    }),
  );
  gateway = await startCli(['serve', '--dev', '--config', configPath], LISTENING);
  [, base, devRelayUrl] = gateway.match as unknown as [string, string, string];
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await upstream?.close();
});

async function startLogin(): Promise<{ login_id: string; portal_url: string; login_secret: string }> {
  const started = await requestJson('POST', `${base}/auth/login`);
  expect(started.status).toBe(201);
  expect(started.body.portal_url).toContain(encodeURIComponent(devRelayUrl));
  return started.body;
}

function loginStatus(login: { login_id: string; login_secret: string }) {
  return requestJson('GET', `${base}/auth/login/${login.login_id}`, {
    headers: { 'x-login-secret': login.login_secret },
  });
}

describe('serve --dev', () => {
  it('runs a local relay when the config names none, and says so in the banner', () => {
    const { stderr } = gateway.output();
    expect(stderr).toContain(`relays: ${devRelayUrl}`);
    expect(stderr).toContain('portal-gateway wallet approve');
  });

  it('never without --dev: the same config has wallet sign-in off', async () => {
    // Started where no relays.config.json is, so that the config alone decides.
    const plain = await startCli(
      ['serve', '--config', configPath, '--port', '0'],
      /portal-gateway listening on (http:\/\/\S+)/,
      { cwd: dir },
    );
    try {
      expect(plain.output().stderr).toContain('relays: none configured');
      expect(plain.output().stderr).not.toContain('--dev');
      const login = await requestJson('POST', `${plain.match[1]}/auth/login`);
      expect(login.status).toBe(503);
      expect(login.body.error).toBe('ERR_RELAYS_UNAVAILABLE');
    } finally {
      await plain.stop();
    }
  });

  it('check-config warns that wallet sign-in is off', async () => {
    const checked = await runCli(['check-config', '--config', configPath], { cwd: dir });
    expect(checked.code).toBe(0);
    expect(checked.stderr).toMatch(/^warning: wallet sign-in is off: /m);
  });
});

describe('portal-gateway wallet approve', () => {
  it('completes a login with a generated key; the tokens work on a protected route', async () => {
    const login = await startLogin();
    const wallet = await runCli(['wallet', 'approve', login.portal_url]);
    expect(wallet.code, wallet.stderr).toBe(0);
    expect(wallet.stdout).toMatch(/^npub1[02-9ac-hj-np-z]{58}\n$/);
    const npub = wallet.stdout.trim();
    // The generated key is shown on stderr only.
    expect(wallet.stderr).toContain(`npub: ${npub}`);
    expect(wallet.stderr).toMatch(/nsec: nsec1[02-9ac-hj-np-z]{58}/);

    const status = await loginStatus(login);
    expect(status.body.status).toBe('approved');
    expect(status.body.user.npub).toBe(npub);
    const profile = await fetch(`${base}/api/profile`, {
      headers: { authorization: `Bearer ${status.body.access_token}` },
    });
    expect(profile.status).toBe(200);
    expect(((await profile.json()) as EchoReply).headers['x-portal-npub']).toBe(npub);
    expect((await fetch(`${base}/api/profile`)).status).toBe(401);

    const renewed = await refresh(base, status.body.refresh_token);
    expect(renewed.status).toBe(200);
    expect(
      (await fetch(`${base}/api/profile`, { headers: { authorization: `Bearer ${renewed.body.access_token}` } }))
        .status,
    ).toBe(200);
  });

  it('declines a login with a given key (--decline --key-file), exits 0 and says so', async () => {
    const user = generateKeyPair();
    const keyFile = join(dir, 'user.key');
    writeFileSync(keyFile, `${user.nsec}\n`, { mode: 0o600 });
    const login = await startLogin();
    const wallet = await runCli(['wallet', 'approve', login.portal_url, '--decline', '--key-file', keyFile]);
    expect(wallet.code, wallet.stderr).toBe(0);
    expect(wallet.stdout).toBe(`${user.npub}\n`);
    expect(wallet.stderr).toMatch(/^declined: /m);
    expect(wallet.stderr).not.toContain(user.nsec);
    let status = await loginStatus(login);
    for (let i = 0; i < 50 && status.body.status !== 'declined'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = await loginStatus(login);
    }
    expect(status.body.status).toBe('declined');
    expect(status.body.reason).toContain('declined');
    expect(status.body.access_token).toBeUndefined();
  });

  it('approves with --key (hex) as that user', async () => {
    const user = generateKeyPair();
    const login = await startLogin();
    const wallet = await runCli(['wallet', 'approve', login.portal_url, '--key', user.secretKey]);
    expect(wallet.code, wallet.stderr).toBe(0);
    expect(wallet.stdout).toBe(`${user.npub}\n`);
    expect(wallet.stderr).not.toContain('nsec1');
    expect((await loginStatus(login)).body.user.npub).toBe(user.npub);
  });

  it('one line and exit 1 for a bad URL, an unreachable relay and a timeout', async () => {
    const oneLine = (stderr: string) =>
      stderr
        .split('\n')
        .filter(
          (line) =>
            line !== '' && !line.startsWith('  ') && !line.startsWith('no --key') && !line.startsWith('wallet  '),
        );
    const service = generateKeyPair();

    const bad = await runCli([
      'wallet',
      'approve',
      'https://example.com/not-portal',
      '--key',
      generateKeyPair().secretKey,
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^ERR_HANDSHAKE_URL: a handshake URL must start with portal:\/\/\n$/);

    const unreachable = buildHandshakeUrl({
      mainKey: service.publicKey,
      relays: [`ws://127.0.0.1:${await closedPort()}`],
      token: randomHandshakeToken(),
    });
    const down = await runCli(['wallet', 'approve', unreachable, '--key', generateKeyPair().secretKey]);
    expect(down.code).toBe(1);
    expect(oneLine(down.stderr)).toEqual([
      expect.stringMatching(/^ERR_RELAY_UNREACHABLE: cannot reach any relay of the login \(ws:\/\/127\.0\.0\.1:\d+\)/),
    ]);

    // A relay that works, but no gateway waits for this token: no challenge ever comes.
    const unknown = buildHandshakeUrl({
      mainKey: service.publicKey,
      relays: [devRelayUrl],
      token: randomHandshakeToken(),
    });
    const waited = await runCli(['wallet', 'approve', unknown, '--timeout', '1', '--key', generateKeyPair().secretKey]);
    expect(waited.code).toBe(1);
    expect(oneLine(waited.stderr)).toEqual([
      expect.stringMatching(/^ERR_WALLET_TIMEOUT: no AUTH_CHALLENGE from the gateway within 1 s/),
    ]);
  });

  it('usage errors exit 2', async () => {
    for (const args of [
      ['wallet'],
      ['wallet', 'approve'],
      ['wallet', 'reject', 'portal://x'],
      ['wallet', 'approve', 'portal://x', '--timeout', '0'],
      ['wallet', 'approve', 'portal://x', '--key', 'a', '--key-file', 'b'],
    ]) {
      const result = await runCli(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stdout).toBe('');
    }
  });
});
