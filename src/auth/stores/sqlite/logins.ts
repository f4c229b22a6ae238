import { StoreConflict } from '../../../errors.js';
import type { Clock } from '../../../keys/clock.js';
import { canClaimLogin, statusMatches } from '../rules.js';
import type { LoginPatch, LoginRecord, LoginStore, UpdateLoginOptions } from '../types.js';
import { assertId, assertTime, expectedStatuses, validateLogin, validateLoginPatch } from '../validate.js';
import type { SqliteDatabase } from './database.js';
import type { LocalBus } from './local-bus.js';
import { loginFromRow, loginToRow, type LoginRow } from './rows.js';

export class SqliteLoginStore implements LoginStore {
  private readonly sql;

  constructor(
    private readonly database: SqliteDatabase,
    private readonly bus: LocalBus,
    private readonly clock: Clock,
  ) {
    const db = database.db;
    this.sql = {
      login: db.prepare<[string, number], LoginRow>('SELECT * FROM logins WHERE id = ? AND expires_at > ?'),
      dropExpired: db.prepare<[string, number]>('DELETE FROM logins WHERE id = ? AND expires_at <= ?'),
      insert: db.prepare<[LoginRow]>(
        `INSERT INTO logins (id, status, created_at, expires_at, secret_hash, user_key, reason, sealed_result, claimed_at)
         VALUES (@id, @status, @created_at, @expires_at, @secret_hash, @user_key, @reason, @sealed_result, @claimed_at)`,
      ),
      // NULL leaves a column as it is: a patch only sets the fields it names.
      update: db.prepare<[string | null, number | null, string | null, string | null, string | null, string]>(
        `UPDATE logins SET status = COALESCE(?, status), expires_at = COALESCE(?, expires_at), user_key = COALESCE(?, user_key),
         reason = COALESCE(?, reason), sealed_result = COALESCE(?, sealed_result) WHERE id = ?`,
      ),
      claim: db.prepare<[number, string]>('UPDATE logins SET claimed_at = ?, sealed_result = NULL WHERE id = ?'),
    };
  }

  async createLogin(record: LoginRecord): Promise<void> {
    const login = validateLogin(record);
    this.database.write('createLogin', () => {
      const now = this.clock();
      this.sql.dropExpired.run(login.id, now);
      if (this.sql.login.get(login.id, now)) throw new StoreConflict(`login ${login.id} already exists`);
      this.sql.insert.run(loginToRow(login));
    });
  }

  async getLogin(id: string): Promise<LoginRecord | undefined> {
    assertId(id, 'login id');
    const row = this.database.run('getLogin', () => this.sql.login.get(id, this.clock()));
    return row && loginFromRow(row);
  }

  async updateLogin(id: string, patch: LoginPatch, options?: UpdateLoginOptions): Promise<boolean> {
    assertId(id, 'login id');
    const changes = validateLoginPatch(patch);
    const expected = expectedStatuses(options);
    const updated = this.database.write('updateLogin', () => {
      const row = this.sql.login.get(id, this.clock());
      if (!row || !statusMatches(row.status, expected)) return false;
      const { status, expiresAt, userKey, reason, sealedResult } = changes;
      this.sql.update.run(status ?? null, expiresAt ?? null, userKey ?? null, reason ?? null, sealedResult ?? null, id);
      return true;
    });
    if (updated) this.bus.logins.emit(id);
    return updated;
  }

  async claimLoginResult(id: string, secretHash: string, now: number): Promise<LoginRecord | undefined> {
    assertId(id, 'login id');
    assertId(secretHash, 'secretHash');
    assertTime(now, 'now');
    const claimed = this.database.write('claimLoginResult', () => {
      const row = this.sql.login.get(id, this.clock());
      const login = row && loginFromRow(row);
      if (!login || !canClaimLogin(login, secretHash, now)) return undefined;
      this.sql.claim.run(now, id);
      return { ...login, claimedAt: now };
    });
    if (claimed) this.bus.logins.emit(id);
    return claimed;
  }

  watchLogins(listener: (id: string) => void): () => void {
    return this.bus.logins.add(listener);
  }
}
