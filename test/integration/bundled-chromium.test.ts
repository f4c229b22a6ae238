/**
 * The Chromium bundled in the dev dependencies launches here with the flags every browser test uses,
 * so the browser tests also run where neither CHROMIUM_PATH nor Debian's chromium exists. Runs on
 * every machine, not only where the other two are missing.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { BROWSER_ARGS } from '../support/browser.js';
import { unpackBundledChromium } from '../support/chromium-executable.js';

let browser: Browser | undefined;
afterAll(() => browser?.close());

describe('the bundled Chromium', () => {
  it('unpacks with its libraries and fonts, launches, runs scripts and renders text', async () => {
    const executable = await unpackBundledChromium();
    expect(executable.source).toBe('bundled');
    expect(existsSync(join(executable.env.LD_LIBRARY_PATH!, 'libnss3.so'))).toBe(true);
    browser = await chromium.launch({
      executablePath: executable.path,
      env: { ...process.env, ...executable.env },
      args: BROWSER_ARGS,
    });
    const page = await browser.newPage({ viewport: { width: 200, height: 60 } });
    await page.setContent(
      '<body style="margin:0;background:#fff"><p id="out" style="font:40px sans-serif;margin:0">…</p><script>out.textContent = "Hello"</script></body>',
    );
    expect(await page.textContent('#out')).toBe('Hello');
    const shot = PNG.sync.read(await page.screenshot());
    let dark = 0;
    for (let i = 0; i < shot.data.length; i += 4) if (shot.data[i]! < 128) dark++;
    expect(dark).toBeGreaterThan(100); // the glyphs were drawn: a font was found
  });
});
