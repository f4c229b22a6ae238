import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe } from 'vitest';
import { createSqliteStores } from '../../../src/auth/stores/sqlite/index.js';
import { movableClock } from '../../support/clock.js';
import { describeStoreContract } from './contract/index.js';

describe('SQLite stores', () => {
  const root = mkdtempSync(join(tmpdir(), 'portal-gateway-sqlite-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let counter = 0;

  describeStoreContract(async () => {
    counter += 1;
    const path = join(root, `store-${counter}`, 'gateway.sqlite');
    const clock = movableClock();
    return { open: async () => createSqliteStores(path, clock.now), dispose: async () => {}, clock };
  });
});
