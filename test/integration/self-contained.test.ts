/**
 * The repository stands alone: no tracked file (code, tests, benchmarks, docs) reads or points to
 * anything outside the checkout, so a fresh clone is all a user needs.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

// Spelt in pieces so that this file does not match itself.
const SIBLING_CHECKOUT = ['..', 'shared'].join('/');
const OUTSIDE_SPEC = ['shared', 'spec'].join('/');
/** Absolute paths into places that exist only on someone's machine (system paths like /usr/bin are fine). */
const MACHINE_PATH = new RegExp(String.raw`(?<![\w.~-])/(?:work|home|root|tmp|Users|mnt)/[\w.-]`, 'g');
/** Relative paths going up at least one level: each is resolved against the file that holds it. */
const UPWARD_PATH = /(?<![\w.])(?:\.\.\/)+[\w.@-]*/g;

function trackedTextFiles(): string[] {
  const listing = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' });
  return listing.split('\0').filter((path) => path !== '' && !/\.(png|jpe?g|gif|ico|woff2?)$/i.test(path));
}

function outsideReferences(path: string, text: string): string[] {
  const found: string[] = [];
  text.split('\n').forEach((line, index) => {
    const where = `${path}:${index + 1}`;
    if (line.includes(SIBLING_CHECKOUT)) found.push(`${where}: ${SIBLING_CHECKOUT}`);
    if (line.includes(OUTSIDE_SPEC)) found.push(`${where}: ${OUTSIDE_SPEC}`);
    for (const match of line.matchAll(MACHINE_PATH)) found.push(`${where}: absolute path ${match[0]}…`);
    for (const match of line.matchAll(UPWARD_PATH)) {
      const target = relative(ROOT, resolve(ROOT, dirname(path), match[0]));
      if (target === '..' || target.startsWith(`..${sep}`)) found.push(`${where}: ${match[0]} leaves the repository`);
    }
  });
  return found;
}

describe('the repository', () => {
  it('references nothing outside itself in any tracked file', () => {
    const files = trackedTextFiles();
    expect(files).toContain('package.json');
    const found = files.flatMap((path) => outsideReferences(path, readFileSync(join(ROOT, path), 'utf8')));
    expect(found).toEqual([]);
  });

  it('notices each kind of outside reference', () => {
    const text = [
      `const vectors = '${SIBLING_CHECKOUT}/vectors.json';`,
      `see ${OUTSIDE_SPEC}/protocol.md`,
      `cp ${['', 'home', 'someone', 'key'].join('/')} .`,
      `new URL('${'../'.repeat(3)}x.json', import.meta.url)`,
      "import { ok } from '../ok.js';",
    ].join('\n');
    expect(outsideReferences('test/support/example.ts', text)).toEqual([
      `test/support/example.ts:1: ${SIBLING_CHECKOUT}`,
      `test/support/example.ts:2: ${OUTSIDE_SPEC}`,
      `test/support/example.ts:3: absolute path ${['', 'home', 's'].join('/')}…`,
      `test/support/example.ts:4: ${'../'.repeat(3)}x.json leaves the repository`,
    ]);
  });
});
