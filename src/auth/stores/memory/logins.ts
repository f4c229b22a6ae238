import { StoreConflict } from '../../../errors.js';
import { canClaimLogin, statusMatches } from '../rules.js';
import type { LoginPatch, LoginRecord, LoginStore, UpdateLoginOptions } from '../types.js';
import { assertId, assertTime, expectedStatuses, validateLogin, validateLoginPatch } from '../validate.js';
import type { MemoryBackend } from './backend.js';

export class MemoryLoginStore implements LoginStore {
  constructor(private readonly data: MemoryBackend) {}

  async createLogin(record: LoginRecord): Promise<void> {
    const login = validateLogin(record);
    if (this.data.login(login.id)) throw new StoreConflict(`login ${login.id} already exists`);
    this.data.logins.set(login.id, login);
  }

  async getLogin(id: string): Promise<LoginRecord | undefined> {
    assertId(id, 'login id');
    const login = this.data.login(id);
    return login && { ...login };
  }

  async updateLogin(id: string, patch: LoginPatch, options?: UpdateLoginOptions): Promise<boolean> {
    assertId(id, 'login id');
    const changes = validateLoginPatch(patch);
    const expected = expectedStatuses(options);
    const login = this.data.login(id);
    if (!login || !statusMatches(login.status, expected)) return false;
    Object.assign(login, changes);
    this.data.loginEvents.emit(id);
    return true;
  }

  async claimLoginResult(id: string, secretHash: string, now: number): Promise<LoginRecord | undefined> {
    assertId(id, 'login id');
    assertId(secretHash, 'secretHash');
    assertTime(now, 'now');
    const login = this.data.login(id);
    if (!login || !canClaimLogin(login, secretHash, now)) return undefined;
    login.claimedAt = now;
    const claimed = { ...login };
    delete login.sealedResult;
    this.data.loginEvents.emit(id);
    return claimed;
  }

  watchLogins(listener: (id: string) => void): () => void {
    return this.data.loginEvents.add(listener);
  }
}
