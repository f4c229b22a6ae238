/**
 * What `serve` prints at start-up, as the built program: the demo banner (`npm start`) suggests a
 * terminal wallet sign-in rather than a POST that prints SVG, and every banner says where the
 * service key came from.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/keys/nostr-keys.js';
import { startCli } from '../support/built-cli.js';
import { startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.js';

const BANNER_END = /^relays: .*$/m;
let dir: string;
let upstream: EchoUpstream;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pg-banner-'));
  upstream = await startEchoUpstream();
});
afterAll(async () => upstream?.close());

async function banner(args: string[], env: Record<string, string>, ready = BANNER_END): Promise<string> {
  const gateway = await startCli(['serve', '--port', '0', ...args], ready, { env });
  try {
    return gateway.output().stderr;
  } finally {
    await gateway.stop();
  }
}

describe('the serve banner', () => {
  it('on embedded defaults suggests portal-gateway login --url, and says the key was generated', async () => {
    const dataDir = join(dir, 'embedded');
    const text = await banner([], { PORTAL_DATA_DIR: dataDir }, /^\(wallet logins go through .*$/m);
    const url = /portal-gateway listening on (http:\/\/\S+)/.exec(text)![1]!;
    expect(text).toContain(`  node dist/cli.js login --url ${url}  `);
    expect(text).not.toContain('curl -X POST');
    expect(text).toMatch(
      new RegExp(
        `service key: npub1\\w+ \\(new, kept in ${join(dataDir, 'service-key').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\)`,
      ),
    );
  });

  it('names the variable or the key file a configured key came from', async () => {
    const service = generateKeyPair();
    const config = join(dir, 'gateway.json');
    writeFileSync(
      config,
      JSON.stringify({
        dataDir: join(dir, 'data'),
        logLevel: 'warn',
        relays: [],
        routes: [{ prefix: '/api', upstream: upstream.url, auth: 'public' }],
      }),
    );
    const keyFile = join(dir, 'service-key');
    writeFileSync(keyFile, `${service.secretKey}\n`, { mode: 0o600 });

    expect(await banner(['--config', config], { PORTAL_SERVICE_KEY: service.secretKey })).toContain(
      `service key: ${service.npub} (from PORTAL_SERVICE_KEY)`,
    );
    expect(await banner(['--config', config], { PORTAL_SERVICE_KEY_FILE: keyFile })).toContain(
      `service key: ${service.npub} (from the key file ${keyFile} named by PORTAL_SERVICE_KEY_FILE)`,
    );
    writeFileSync(
      config,
      JSON.stringify({
        serviceKey: service.nsec,
        logLevel: 'warn',
        relays: [],
        routes: [{ prefix: '/api', upstream: upstream.url, auth: 'public' }],
      }),
    );
    expect(await banner(['--config', config], {})).toContain(
      `service key: ${service.npub} (from the configuration file)`,
    );
  });
});
