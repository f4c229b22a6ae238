/**
 * `portal-gateway demo`: the narrated sign-in runs end to end, the page it leaves open signs a real
 * browser in through the simulated wallet, no token is ever printed, and Ctrl-C stops everything.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startDemo } from '../../src/demo/run-demo.js';
import { launchBrowser, saveScreenshot } from '../support/browser.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/;

/** Index of the first line matching `pattern`, failing when there is none. */
function lineOf(lines: string[], pattern: RegExp): number {
  const index = lines.findIndex((line) => pattern.test(line));
  expect(index, `a line matching ${pattern}`).toBeGreaterThanOrEqual(0);
  return index;
}

describe('demo', () => {
  it('narrates a wallet sign-in step by step, then signs a browser in on the page it leaves open', async () => {
    const lines: string[] = [];
    const demo = await startDemo({ port: 0, out: (line) => lines.push(line) });
    try {
      const steps = [
        /^wallet .*sending KEY_HANDSHAKE/,
        /^gateway .*handshake seen/,
        /^wallet .*challenge answered/,
        /^gateway .*approved by npub1/,
        /^gateway .*tokens issued/,
        /^client .*GET \/api\/profile .*: 200, the API saw the caller npub1/,
        /^Now try it in a browser: open http:\/\/127\.0\.0\.1:\d+\/app\/profile$/,
      ].map((step) => lineOf(lines, step));
      expect(steps[0]).toBeLessThan(steps[2]!);
      expect(steps[2]).toBeLessThan(steps[3]!);
      expect(steps[3]).toBeLessThan(steps[4]!);
      expect(steps[4]).toBeLessThan(steps[5]!);

      const browser = await launchBrowser();
      try {
        const page = await browser.newPage();
        await page.goto(demo.appUrl);
        // The simulated wallet approves the page's login: the browser comes back to the demo API.
        await page.waitForURL(demo.appUrl, { timeout: 20_000 });
        const body = JSON.parse((await page.textContent('body'))!) as { caller: { npub: string } | null };
        expect(body.caller?.npub).toMatch(/^npub1/);
        await saveScreenshot(page, 'demo-signed-in');
      } finally {
        await browser.close();
      }
      expect(lines.join('\n')).not.toMatch(JWT);
    } finally {
      await demo.close();
    }
  }, 45_000);

  it('runs as a command and stops everything on Ctrl-C', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'demo', '--port', '0'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 30_000;
      while (!output.includes('Press Ctrl-C to stop.') && Date.now() < deadline && child.exitCode === null)
        await new Promise((r) => setTimeout(r, 50));
      expect(output).toContain('Press Ctrl-C to stop.');
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(output).toMatch(/stopping…\n$/);
      expect(output).not.toMatch(JWT);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 45_000);
});
