import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findChromium, type ChromiumExecutable } from './chromium-executable.js';

const dir = mkdtempSync(join(tmpdir(), 'portal-gateway-chromium-lookup-'));
const configured = join(dir, 'my-chromium');
const debian = join(dir, 'debian-chromium');
writeFileSync(configured, '');
writeFileSync(debian, '');
const bundled: ChromiumExecutable = {
  path: join(dir, 'bundled', 'chromium'),
  source: 'bundled',
  env: { LD_LIBRARY_PATH: join(dir, 'bundled', 'lib') },
};
const unpackBundled = () => Promise.resolve(bundled);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('findChromium', () => {
  it('takes CHROMIUM_PATH first, even where Debian has a chromium', async () => {
    await expect(
      findChromium({ env: { CHROMIUM_PATH: configured }, debianPath: debian, unpackBundled }),
    ).resolves.toEqual({
      path: configured,
      source: 'CHROMIUM_PATH',
      env: {},
    });
  });

  it('refuses a CHROMIUM_PATH that does not exist, naming it', async () => {
    const missing = join(dir, 'nowhere');
    await expect(findChromium({ env: { CHROMIUM_PATH: missing }, debianPath: debian, unpackBundled })).rejects.toThrow(
      `CHROMIUM_PATH=${missing} does not exist`,
    );
  });

  it("then Debian's chromium", async () => {
    await expect(findChromium({ env: {}, debianPath: debian, unpackBundled })).resolves.toEqual({
      path: debian,
      source: 'debian',
      env: {},
    });
  });

  it('then the Chromium bundled in the dev dependencies', async () => {
    await expect(findChromium({ env: {}, debianPath: join(dir, 'no-debian'), unpackBundled })).resolves.toBe(bundled);
  });
});
