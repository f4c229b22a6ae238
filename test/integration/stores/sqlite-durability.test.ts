import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStores } from '../../../src/auth/stores/sqlite/index.js';
import { chainHash, parseIssued } from './rotation-chain.js';

const CHILD = fileURLToPath(new URL('./sqlite-rotation-child.ts', import.meta.url));
const FAMILIES = 6;

/** Runs the child until it has reported `rotations` tokens past the first ones, then SIGKILLs it. */
async function rotateThenKill(path: string, seed: string, rotations: number): Promise<Map<number, number>> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, path, seed, String(FAMILIES)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lastIssued = new Map<number, number>();
  let reported = 0;
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  for await (const line of createInterface({ input: child.stdout })) {
    const issued = parseIssued(line);
    if (!issued) continue;
    lastIssued.set(issued.family, issued.index);
    reported += 1;
    if (reported === FAMILIES + rotations) child.kill('SIGKILL');
  }
  const signal = await exited;
  expect(stderr).toBe('');
  expect(signal).toBe('SIGKILL');
  return lastIssued;
}

describe('SQLite store durability', () => {
  const root = mkdtempSync(join(tmpdir(), 'portal-gateway-crash-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('keeps every rotation the store returned when the process is killed with SIGKILL', async () => {
    const path = join(root, 'gateway.sqlite');
    const seed = randomBytes(8).toString('hex');
    const lastIssued = await rotateThenKill(path, seed, 300);
    expect(lastIssued.size).toBe(FAMILIES);

    const stores = createSqliteStores(path);
    try {
      const now = Math.floor(Date.now() / 1000);
      const present = (family: number, index: number) =>
        stores.sessions.rotateRefreshToken(
          chainHash(seed, family, index),
          randomBytes(32).toString('hex'),
          now,
          now + 60,
        );
      let inFlight = 0;
      for (const [family, reported] of lastIssued) {
        // The kill may land after the commit of the next rotation and before it was reported.
        const next = await stores.sessions.findSessionByRefreshHash(chainHash(seed, family, reported + 1));
        if (next) inFlight += 1;
        const active = next ? reported + 1 : reported;
        expect((await present(family, active)).outcome).toBe('rotated');
        expect((await present(family, active - 1)).outcome).toBe('reused');
        expect((await present(family, active)).outcome).toBe('revoked');
        expect((await present(family, 0)).outcome).toBe('revoked');
      }
      expect(inFlight).toBeLessThanOrEqual(1);
    } finally {
      await stores.close();
    }
  });
});
