/**
 * One open SQLite file: pragmas, schema migration, transactions, and the mapping of driver errors
 * to StoreUnavailable so that callers only ever see the gateway's typed errors.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { isGatewayError, StoreUnavailable } from '../../../errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';

/** How long a writer waits for another process's transaction before giving up. */
const BUSY_TIMEOUT_MS = 5000;

function unavailable(error: unknown, what: string): unknown {
  if (isGatewayError(error)) return error;
  const detail = error instanceof Error ? error.message : String(error);
  return new StoreUnavailable(`SQLite store: ${what} failed: ${detail}`, { cause: error });
}

export class SqliteDatabase {
  readonly db: Database.Database;
  private readonly transaction: Database.Transaction<<T>(fn: () => T) => T>;

  constructor(path: string) {
    try {
      mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path);
    } catch (error) {
      throw unavailable(error, `opening ${path}`);
    }
    try {
      this.db.pragma('journal_mode = WAL');
      // FULL: a rotated refresh token is on disk before rotateRefreshToken returns.
      this.db.pragma('synchronous = FULL');
      this.db.pragma('foreign_keys = ON');
      this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      this.transaction = this.db.transaction(<T>(fn: () => T): T => fn());
      this.migrate(path);
    } catch (error) {
      this.db.close();
      throw unavailable(error, `opening ${path}`);
    }
  }

  /** Runs `fn` (statements on this database) with driver errors mapped to typed ones. */
  run<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw unavailable(error, what);
    }
  }

  /** Runs `fn` in a write transaction taken up front, so concurrent writers queue instead of deadlocking. */
  write<T>(what: string, fn: () => T): T {
    return this.run(what, () => this.transaction.immediate(fn) as T);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Reads the version inside the write transaction, so two processes opening a new file migrate once. */
  private migrate(path: string): void {
    this.transaction.immediate(() => {
      const version = this.db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) {
        throw new StoreUnavailable(
          `SQLite store ${path} has schema version ${version}, newer than this gateway's ${SCHEMA_VERSION}`,
        );
      }
      if (version === SCHEMA_VERSION) return;
      for (let next = version; next < SCHEMA_VERSION; next += 1) this.db.exec(MIGRATIONS[next]!);
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    });
  }
}
