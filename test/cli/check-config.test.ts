/** `check-config` in-process: what a newcomer sees for the usual first mistakes. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/check-config.js';
import { runInProcess } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'portal-gateway-check-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ROUTES = [{ prefix: '/api', upstream: 'http://127.0.0.1:3000', auth: 'required' }];

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('check-config', () => {
  it('reports a JSON syntax error with its line and column, in one problem', async () => {
    const path = file('syntax.json', '{\n  "serviceName": "Acme",\n  "routes": [],\n}\n');
    const result = await runInProcess(run, ['--config', path]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `ERR_CONFIG_INVALID: invalid configuration:\n  - ${path}: is not valid JSON: line 4, column 1: expected a key in double quotes\n`,
    );
  });

  it('asks "did you mean" for a misspelt key', async () => {
    const path = file('typo.json', JSON.stringify({ servicename: 'Acme', relays: [], routes: ROUTES }));
    const result = await runInProcess(run, ['--config', path]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('servicename: unknown key (did you mean `serviceName`?)');
  });

  it('warns about a misspelt PORTAL_ variable, naming the one meant, and leaves other PORTAL_ variables alone', async () => {
    const path = file('env-typo.json', JSON.stringify({ relays: [], routes: ROUTES, store: { kind: 'sqlite' } }));
    const result = await runInProcess(run, ['--config', path], {
      env: {
        PORTAL_LISTEN_PROT: '9000',
        PORTAL_SERVICE_KEY_FIEL: '/run/secrets/key',
        PORTAL_STORE_FIEL: 'gateway.db',
        PORTAL_ACCESS_TOKEN: 'from portal-gateway login',
        PORTAL_GATEWAY_CRYPTO: 'portable',
        PORTAL_TOKENS_ACCESS_TTL_SEC: '600',
        PORTAL_LISTEN_HOTS: '',
      },
    });
    expect(result.code).toBe(0);
    expect(result.stderr.split('\n').filter((line) => line.startsWith('warning: PORTAL_'))).toEqual([
      'warning: PORTAL_LISTEN_PROT is not a setting and is ignored; did you mean PORTAL_LISTEN_PORT?',
      'warning: PORTAL_SERVICE_KEY_FIEL is not a setting and is ignored; did you mean PORTAL_SERVICE_KEY_FILE?',
      'warning: PORTAL_STORE_FIEL is not a setting and is ignored; did you mean PORTAL_STORE_FILE?',
    ]);
  });

  it('does not claim to generate a service key: it says where serve will find or put one', async () => {
    const dataDir = join(dir, 'data');
    const path = file('ok.json', JSON.stringify({ dataDir, relays: [], routes: ROUTES }));
    const result = await runInProcess(run, ['--config', path]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `service key none yet: serve will generate one and keep it in ${join(dataDir, 'service-key')}`,
    );
    expect(existsSync(dataDir)).toBe(false);

    const fromEnv = await runInProcess(run, ['--config', path], { env: { PORTAL_SERVICE_KEY: '3'.repeat(64) } });
    expect(fromEnv.code).toBe(0);
    expect(fromEnv.stdout).toContain('service key from PORTAL_SERVICE_KEY');
  });

  it('names the variable and the key when a file a variable names cannot be read, and the key alone when the config file set it', async () => {
    const missing = join(dir, 'no-such-key.pem');
    const path = file('files.json', JSON.stringify({ dataDir: join(dir, 'data'), relays: [], routes: ROUTES }));
    const fromEnv = await runInProcess(run, ['--config', path], { env: { PORTAL_ASSERTION_KEY_FILE: missing } });
    expect(fromEnv.code).toBe(1);
    expect(fromEnv.stderr).toBe(
      `ERR_CONFIG_INVALID: invalid configuration:\n  - assertion.keyFile: cannot read ${missing} (ENOENT) (set by PORTAL_ASSERTION_KEY_FILE)\n`,
    );

    const tlsFromEnv = await runInProcess(run, ['--config', path], {
      env: { PORTAL_LISTEN_TLS_CERT_FILE: missing, PORTAL_LISTEN_TLS_KEY_FILE: missing },
    });
    expect(tlsFromEnv.code).toBe(1);
    expect(tlsFromEnv.stderr).toContain(
      `  - listen.tls.certFile: ${missing} cannot be read (ENOENT) (set by PORTAL_LISTEN_TLS_CERT_FILE)`,
    );

    const inFile = file(
      'files-in-file.json',
      JSON.stringify({ dataDir: join(dir, 'data'), relays: [], routes: ROUTES, assertion: { keyFile: missing } }),
    );
    const fromFile = await runInProcess(run, ['--config', inFile]);
    expect(fromFile.code).toBe(1);
    expect(fromFile.stderr).toContain(`  - assertion.keyFile: cannot read ${missing} (ENOENT)`);
    expect(fromFile.stderr).not.toContain('set by');
  });
});
