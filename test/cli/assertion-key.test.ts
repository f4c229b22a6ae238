/**
 * `portal-gateway assertion-key rotate`: a new current key in the data directory, the previous one kept
 * (published for ttlSec + 5 minutes), the configuration read as serve reads it, and one-line failures.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/assertion-key.js';
import { AssertionKeys } from '../../src/assertion/assertion-keys.js';
import { runInProcess } from './helpers.js';

function configFile(doc: Record<string, unknown>): { file: string; dataDir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'portal-assertion-rotate-'));
  const dataDir = join(dir, 'data');
  const file = join(dir, 'gateway.json');
  writeFileSync(file, JSON.stringify({ dataDir, routes: [], relays: [], ...doc }));
  return { file, dataDir };
}

describe('portal-gateway assertion-key rotate', () => {
  it('makes a new current key and keeps the previous one published, in the configured data directory', async () => {
    const { file, dataDir } = configFile({ assertion: { ttlSec: 120 } });
    const first = await runInProcess(run, ['rotate', '--config', file]);
    expect(first.code).toBe(0);
    const firstKid = /assertion key (\S+) \(ES256\) signs from now on/.exec(first.stdout)![1]!;
    expect(first.stdout).not.toContain('previous key');

    const before = Date.now();
    const second = await runInProcess(run, ['rotate', '--config', file]);
    expect(second.code).toBe(0);
    const secondKid = /assertion key (\S+) \(ES256\)/.exec(second.stdout)![1]!;
    expect(secondKid).not.toBe(firstKid);
    const until = Date.parse(/previous key \S+ stays published until (\S+)/.exec(second.stdout)![1]!);
    expect(second.stdout).toContain(`previous key ${firstKid}`);
    expect(until - before).toBeGreaterThanOrEqual((120 + 300 - 1) * 1000);
    expect(until - before).toBeLessThanOrEqual((120 + 300 + 2) * 1000);

    const keys = new AssertionKeys({ enabled: true, alg: 'ES256', ttlSec: 120 }, dataDir);
    expect(keys.current().kid).toBe(secondKid);
    expect(keys.published().map((k) => k.kid)).toEqual([secondKid, firstKid]);
    keys.close();
  });

  it('follows assertion.alg and takes the data directory from the environment without a file', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'portal-assertion-rotate-env-'));
    const rotated = await runInProcess(run, ['rotate'], {
      env: { PORTAL_DATA_DIR: dataDir, PORTAL_ASSERTION_ALG: 'ES256K' },
    });
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toContain('(ES256K) signs from now on');
    expect(rotated.stdout).toContain(join(dataDir, 'assertion-keys.json'));
  });

  it('refuses to rotate a key given by assertion.keyFile, naming the key', async () => {
    const { file } = configFile({ assertion: { keyFile: '/run/secrets/assertion.pem' } });
    const refused = await runInProcess(run, ['rotate', '--config', file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^ERR_CONFIG_INVALID: .*assertion\.keyFile: the key comes from \/run\/secrets\/assertion\.pem; rotate it by replacing that file/s,
    );
  });

  it('is a usage error without the action, or with another one', async () => {
    expect((await runInProcess(run, [])).code).toBe(2);
    const other = await runInProcess(run, ['delete']);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('the only action is "rotate"');
  });

  it('check-config reports an assertion key file serve would refuse', async () => {
    const checkConfig = await import('../../src/cli/check-config.js');
    const { file } = configFile({ assertion: { alg: 'ES256' } });
    const checked = await runInProcess(checkConfig.run, ['--config', file], {
      env: { PORTAL_ASSERTION_KEY_FILE: join(tmpdir(), 'no-such-assertion-key.pem') },
    });
    expect(checked.code).toBe(1);
    expect(checked.stderr).toMatch(
      /ERR_CONFIG_INVALID: .*assertion\.keyFile: cannot read .*no-such-assertion-key\.pem \(ENOENT\)/s,
    );
  });
});
