import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteDatabase } from '../../../src/auth/stores/sqlite/database.js';
import { createSqliteStores } from '../../../src/auth/stores/sqlite/index.js';
import { SCHEMA_VERSION } from '../../../src/auth/stores/sqlite/schema.js';
import { StoreUnavailable } from '../../../src/errors.js';
import { newSession, randomHex } from './contract/harness.js';

describe('SQLite store file', () => {
  const root = mkdtempSync(join(tmpdir(), 'portal-gateway-sqlite-file-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let counter = 0;
  const freshPath = () => join(root, `case-${(counter += 1)}`, 'gateway.sqlite');

  it('opens in WAL mode with full fsync, foreign keys and the current schema version', () => {
    const database = new SqliteDatabase(freshPath());
    try {
      expect(database.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(database.db.pragma('synchronous', { simple: true })).toBe(2);
      expect(database.db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(database.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    } finally {
      database.close();
    }
  });

  it('refuses a file written by a newer schema and leaves it untouched', () => {
    const path = freshPath();
    mkdirSync(join(path, '..'), { recursive: true });
    const raw = new Database(path);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => createSqliteStores(path)).toThrow(StoreUnavailable);
    const check = new Database(path);
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    expect(check.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get()).toEqual({ n: 0 });
    check.close();
  });

  it('reports a path it cannot open as StoreUnavailable', () => {
    const directory = join(root, 'a-directory');
    mkdirSync(directory);
    expect(() => createSqliteStores(directory)).toThrow(StoreUnavailable);
  });

  it('rejects calls after close with StoreUnavailable, and closes twice without error', async () => {
    const stores = createSqliteStores(freshPath());
    await stores.close();
    await stores.close();
    await expect(stores.sessions.getSession('any')).rejects.toBeInstanceOf(StoreUnavailable);
    await expect(stores.ping()).rejects.toBeInstanceOf(StoreUnavailable);
  });

  it('purges expired rows, refresh tokens included, when it opens', async () => {
    const path = freshPath();
    const stores = createSqliteStores(path);
    const now = Math.floor(Date.now() / 1000);
    const [live, dead] = [newSession(), newSession()];
    await stores.sessions.createSession(live, randomHex(), live.expiresAt);
    await stores.sessions.createSession(dead, randomHex(), dead.expiresAt);
    await stores.revocations.revokeJti('old', now - 10);
    await stores.logins.createLogin({
      id: 'old',
      status: 'pending',
      createdAt: now - 100,
      expiresAt: now + 100,
      secretHash: 'h',
    });
    await stores.close();
    // Age rows behind the store's back, as if the gateway had been stopped for a long time.
    const raw = new Database(path);
    raw.prepare('UPDATE sessions SET expires_at = ? WHERE id = ?').run(now - 1, dead.id);
    raw.prepare('UPDATE logins SET expires_at = ?').run(now - 1);
    raw.close();
    await createSqliteStores(path).close();
    const check = new Database(path);
    const count = (table: string) => (check.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    expect([count('sessions'), count('refresh_tokens'), count('revoked_jtis'), count('logins')]).toEqual([1, 1, 0, 0]);
    check.close();
  });
});
