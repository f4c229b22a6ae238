import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStores } from '../../../src/auth/stores/sqlite/index.js';
import { newSession } from '../../auth/stores/contract/harness.js';
import { chainHash, familySessionId } from './rotation-chain.js';

const CHILD = fileURLToPath(new URL('./sqlite-race-child.ts', import.meta.url));
const FAMILIES = 40;
const CHILDREN = 3;

interface RaceChild {
  ready: Promise<void>;
  go(): void;
  outcomes: Promise<string[]>;
}

function startChild(path: string, seed: string, number: number): RaceChild {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, path, seed, String(FAMILIES), String(number)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const ready = lines.next().then(({ value }) => expect(value).toBe('ready'));
  const outcomes = (async () => {
    const collected: string[] = [];
    for (let next = await lines.next(); !next.done; next = await lines.next()) collected.push(next.value);
    return collected;
  })();
  return { ready, go: () => child.stdin.end('go\n'), outcomes };
}

describe('SQLite store shared by several processes', () => {
  const root = mkdtempSync(join(tmpdir(), 'portal-gateway-race-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('lets exactly one process rotate each token when several race for it', async () => {
    const path = join(root, 'gateway.sqlite');
    const seed = randomBytes(8).toString('hex');
    const stores = createSqliteStores(path);
    for (let family = 0; family < FAMILIES; family += 1) {
      const session = newSession({ id: familySessionId(family) });
      await stores.sessions.createSession(session, chainHash(seed, family, 0), session.expiresAt);
    }
    const children = Array.from({ length: CHILDREN }, (_, i) => startChild(path, seed, i));
    await Promise.all(children.map((child) => child.ready));
    children.forEach((child) => child.go());
    const reports = await Promise.all(children.map((child) => child.outcomes));

    for (let family = 0; family < FAMILIES; family += 1) {
      const outcomes = reports.map((lines) => lines.find((line) => line.startsWith(`${family} `))?.split(' ')[1]);
      expect(
        outcomes.filter((o) => o === 'rotated'),
        `family ${family}: ${outcomes.join(', ')}`,
      ).toHaveLength(1);
      expect(outcomes.every((o) => o === 'rotated' || o === 'reused' || o === 'revoked')).toBe(true);
      expect((await stores.sessions.getSession(familySessionId(family)))?.revokedAt).toBeDefined();
    }
    await stores.close();
  });
});
