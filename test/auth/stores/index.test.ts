import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createStores } from '../../../src/auth/stores/index.js';
import type { Stores, StoresConfig } from '../../../src/auth/stores/types.js';
import { InvalidArgument } from '../../../src/errors.js';
import { newSession, randomHex } from './contract/harness.js';

describe('createStores', () => {
  const root = mkdtempSync(join(tmpdir(), 'portal-gateway-create-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  async function roundTrip(stores: Stores): Promise<void> {
    try {
      await stores.ping();
      const session = newSession();
      await stores.sessions.createSession(session, randomHex(), session.expiresAt);
      expect(await stores.sessions.getSession(session.id)).toEqual(session);
    } finally {
      await stores.close();
    }
  }

  it('opens the memory store', async () => {
    await roundTrip(await createStores({ kind: 'memory' }));
  });

  it('opens the SQLite store, creating the file and its directory', async () => {
    const path = join(root, 'nested', 'gateway.sqlite');
    await roundTrip(await createStores({ kind: 'sqlite', path }));
    expect(existsSync(path)).toBe(true);
  });

  it.each([
    ['an unknown kind', { kind: 'postgres' }],
    ['no config at all', undefined],
    ['an empty SQLite path', { kind: 'sqlite', path: '' }],
    ['a Redis config without url', { kind: 'redis' }],
  ])('rejects %s with InvalidArgument', async (_name, config) => {
    await expect(createStores(config as unknown as StoresConfig)).rejects.toBeInstanceOf(InvalidArgument);
  });
});
