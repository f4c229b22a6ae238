import type { UserStore } from '../types.js';
import { assertTime, assertUserKey } from '../validate.js';
import type { SqliteDatabase } from './database.js';

export class SqliteUserStore implements UserStore {
  private readonly sql;

  constructor(private readonly database: SqliteDatabase) {
    const db = database.db;
    this.sql = {
      record: db.prepare<[string, number, number]>(
        `INSERT INTO users (user_key, first_login_at, last_login_at) VALUES (?, ?, ?)
         ON CONFLICT (user_key) DO UPDATE SET last_login_at = max(last_login_at, excluded.last_login_at)`,
      ),
      known: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM users WHERE user_key = ?'),
    };
  }

  async recordLogin(userKey: string, now: number): Promise<void> {
    assertUserKey(userKey);
    assertTime(now, 'now');
    this.database.run('recordLogin', () => this.sql.record.run(userKey, now, now));
  }

  async isKnownUser(userKey: string): Promise<boolean> {
    assertUserKey(userKey);
    return this.database.run('isKnownUser', () => this.sql.known.get(userKey)) !== undefined;
  }
}
