/**
 * `portal-gateway login` as a user runs it: the real program in a child process, against a real
 * gateway with a real relay process, and the rust-nostr test wallet approving or declining what the
 * program shows (the portal:// URL, and the same URL read back from its terminal QR code).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as login from '../../../src/cli/login.js';
import { generateKeyPair, verifyJwt } from '../../../src/index.js';
import { closedPort } from '../../support/echo-upstream.js';
import { startGateway, type RunningGateway } from '../../support/gateway.js';
import { startRelayProcess, type RelayProcess } from '../../support/relay-process.js';
import { decodeTerminalQr } from '../../support/terminal-qr.js';
import { TestWallet } from '../../support/wallet.js';
import { runInProcess } from '../../cli/helpers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const service = generateKeyPair();
let relay: RelayProcess;
let gw: RunningGateway;

interface LoginRun {
  /** Resolves with the portal:// URL once the program has printed it. */
  portalUrl: Promise<string>;
  stderr(): string;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Programs still running when a test fails: killed before the gateway closes (it waits for their streams). */
const running = new Set<ChildProcess>();

function runLogin(args: string[]): LoginRun {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'login', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let announce!: (url: string) => void;
  const portalUrl = new Promise<string>((resolve) => (announce = resolve));
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  running.add(child);
  child.once('exit', () => running.delete(child));
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
    // The first status line comes after the QR code: both are on the screen by then.
    const url = /^portal:\/\/\S+$/m.exec(stderr)?.[0];
    if (url && stderr.includes('\nlogin: ')) announce(url);
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  void done.then(({ stderr: all }) => announce(`(no portal:// URL printed) ${all}`));
  return { portalUrl, stderr: () => stderr, done };
}

async function waitForRelay(base: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ready = (await (await fetch(`${base}/readyz`)).json()) as { relays: Record<string, { state: string }> };
    if (Object.values(ready.relays).some((r) => r.state === 'open')) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('relay never connected');
}

beforeAll(async () => {
  relay = await startRelayProcess();
  gw = await startGateway({
    serviceKey: service.secretKey,
    relays: [relay.url],
    login: { requestPermissions: ['read'] },
    routes: [],
  });
  await waitForRelay(gw.url);
});

afterAll(async () => {
  for (const child of running) child.kill('SIGKILL');
  await gw?.close();
  await relay?.stop();
});

describe('portal-gateway login', () => {
  it('shows the URL and a QR code of it, follows the login, and prints export lines that a shell can eval', async () => {
    const run = runLogin(['--url', `${gw.url}/`]);
    const url = await run.portalUrl;
    expect(url).toMatch(new RegExp(`^portal://${service.npub}\\?relays=`));
    expect(decodeTerminalQr(run.stderr())).toBe(url);
    const wallet = new TestWallet();
    try {
      await wallet.login(url, { approve: { grantedPermissions: ['read'], sessionToken: 'terminal' } });
    } finally {
      await wallet.close();
    }
    const { code, stdout, stderr } = await run.done;
    expect(code).toBe(0);
    const states = [...stderr.matchAll(/^login: (\w+)/gm)].map((m) => m[1]);
    expect(states[0]).toBe('waiting');
    expect(states.at(-1)).toBe('approved');
    expect(stderr).toContain(`login: approved as npub`);
    expect(stdout).toMatch(/^# signed in as npub1\w+; the access token is valid for 900 s/);

    // What `eval "$(portal-gateway login …)"` leaves in the shell.
    const shell = spawnSync(
      'bash',
      ['-c', 'eval "$1"; printf "%s\\n%s" "$PORTAL_ACCESS_TOKEN" "$PORTAL_REFRESH_TOKEN"', '_', stdout],
      { encoding: 'utf8' },
    );
    const [access, refresh] = shell.stdout.split('\n');
    const claims = verifyJwt(service.publicKey, access!);
    expect(claims).toMatchObject({ target_key: wallet.mainKey, permissions: ['read'] });
    expect(refresh).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    // Tokens only on stdout: the terminal chatter never carries them.
    expect(stderr).not.toContain(access);
    expect(stderr).not.toContain(refresh);
  });

  it('prints the token response as JSON with --json', async () => {
    const run = runLogin(['--url', gw.url, '--json']);
    const wallet = new TestWallet();
    try {
      await wallet.login(await run.portalUrl, { approve: { grantedPermissions: [], sessionToken: 'json' } });
    } finally {
      await wallet.close();
    }
    const { code, stdout } = await run.done;
    expect(code).toBe(0);
    const body = JSON.parse(stdout) as Record<string, any>;
    expect(body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 900,
      refresh_token: expect.any(String),
      session_id: expect.any(String),
      user: { target_key: wallet.mainKey },
    });
    expect(verifyJwt(service.publicKey, body.access_token).target_key).toBe(wallet.mainKey);
    // The refresh token belongs to a live session.
    const refreshed = await fetch(`${gw.url}/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh_token: body.refresh_token }),
    });
    expect(refreshed.status).toBe(200);
  });

  it('exits 1 with one line naming the code when the wallet declines', async () => {
    const run = runLogin(['--url', gw.url]);
    const wallet = new TestWallet();
    try {
      await wallet.login(await run.portalUrl, { decline: { reason: 'not\u001b[31mtoday' } });
    } finally {
      await wallet.close();
    }
    const { code, stdout, stderr } = await run.done;
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n').at(-1)).toBe(
      'ERR_LOGIN_DECLINED: the wallet declined the login (not [31mtoday)',
    );
    // The wallet's text reaches the terminal without its escape character.
    expect(stderr).not.toContain('\u001b[31m');
  });

  it('exits 1 with ERR_LOGIN_EXPIRED when nobody answers in time', async () => {
    const short = await startGateway({
      serviceKey: service.secretKey,
      relays: [relay.url],
      login: { timeoutSec: 10 },
      routes: [],
    });
    try {
      await waitForRelay(short.url);
      const { code, stdout, stderr } = await runLogin(['--url', short.url]).done;
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toContain('login: waiting for the wallet');
      expect(stderr.trimEnd().split('\n').at(-1)).toBe(
        'ERR_LOGIN_EXPIRED: the login expired before the wallet answered',
      );
    } finally {
      await short.close();
    }
  }, 40_000);

  it("passes on the gateway's own error, and says so when there is no gateway", async () => {
    const noRelays = await startGateway({ serviceKey: service.secretKey, relays: [], routes: [] });
    try {
      const refused = await runLogin(['--url', noRelays.url]).done;
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^ERR_RELAYS_UNAVAILABLE: no Nostr relays are configured/);
      expect(refused.stderr.trimEnd().split('\n')).toHaveLength(1);
    } finally {
      await noRelays.close();
    }
    const port = await closedPort();
    const nobody = await runLogin(['--url', `http://127.0.0.1:${port}`]).done;
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toBe(`ERR_GATEWAY_CALL: cannot start a login at http://127.0.0.1:${port} (ECONNREFUSED)\n`);
  });

  it('exits 2 on a bad or missing --url, without echoing it', async () => {
    for (const args of [
      [],
      ['--url', 'ftp://gateway.example'],
      ['--url', 'not a url'],
      ['--url', 'https://user:pw@gateway.example'],
      ['--url', 'http://gw.example/?x=1'],
    ]) {
      const { code, stdout, stderr } = await runInProcess(login.run, args);
      expect(code, args.join(' ')).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^ERR_INVALID_ARGUMENT: .*\(see "portal-gateway login --help"\)\n$/);
      expect(stderr).not.toContain('pw@');
    }
  });
});
