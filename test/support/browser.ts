/**
 * Headless Chromium (see chromium-executable.ts for which one) driven by playwright-core, and
 * screenshots of each state kept under test-artifacts/ for people reviewing a run.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { findChromium } from './chromium-executable.js';

export const ARTIFACTS_DIR = 'test-artifacts';

/** Flags of every test browser: headless, no sandbox (tests may run as root), nothing phoning home. */
export const BROWSER_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function launchBrowser(): Promise<Browser> {
  const executable = await findChromium();
  return chromium.launch({
    executablePath: executable.path,
    env: { ...process.env, ...executable.env },
    args: BROWSER_ARGS,
  });
}

export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** The id of the element that has the keyboard focus (tests are type-checked without DOM types). */
export async function focusedId(page: Page): Promise<string | undefined> {
  return (await page.evaluate('document.activeElement?.id')) as string | undefined;
}

/** Collects what a page reports that a test should fail on: script errors and CSP violations. */
export function watchPageProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (/Content.Security.Policy|Refused to/i.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  return problems;
}
