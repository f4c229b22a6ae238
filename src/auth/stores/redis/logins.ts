import type { Redis } from 'ioredis';
import type { Clock } from '../../../keys/clock.js';
import type { LoginPatch, LoginRecord, LoginStore, UpdateLoginOptions } from '../types.js';
import { assertId, assertTime, expectedStatuses, validateLogin, validateLoginPatch } from '../validate.js';
import { fromPairs, loginFromFields, loginToPairs } from './codec.js';
import { expiresAtMs, guard, LuaScript, type CallObserver } from './connection.js';
import type { RedisEvents } from './events.js';
import type { RedisKeys } from './keys.js';
import { CLAIM_LOGIN, CREATE_LOGIN, UPDATE_LOGIN } from './scripts.js';

const createScript = new LuaScript(CREATE_LOGIN);
const updateScript = new LuaScript(UPDATE_LOGIN);
const claimScript = new LuaScript(CLAIM_LOGIN);

export class RedisLoginStore implements LoginStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly events: RedisEvents,
    private readonly health: CallObserver,
    private readonly clock: Clock,
  ) {}

  async createLogin(record: LoginRecord): Promise<void> {
    const login = validateLogin(record);
    const args = [expiresAtMs(login.expiresAt), ...loginToPairs(login)];
    await guard(this.health, () => createScript.run(this.redis, [this.keys.login(login.id)], args));
  }

  async getLogin(id: string): Promise<LoginRecord | undefined> {
    assertId(id, 'login id');
    const fields = await guard(this.health, () => this.redis.hgetall(this.keys.login(id)));
    const login = loginFromFields(id, fields);
    return login && this.clock() < login.expiresAt ? login : undefined;
  }

  async updateLogin(id: string, patch: LoginPatch, options?: UpdateLoginOptions): Promise<boolean> {
    assertId(id, 'login id');
    const changes = validateLoginPatch(patch);
    const expected = expectedStatuses(options);
    const args = [
      this.keys.loginChannel,
      id,
      expected?.join(' ') ?? '',
      changes.expiresAt === undefined ? '' : expiresAtMs(changes.expiresAt),
      ...loginToPairs(changes),
    ];
    return (await guard(this.health, () => updateScript.run(this.redis, [this.keys.login(id)], args))) === 1;
  }

  async claimLoginResult(id: string, secretHash: string, now: number): Promise<LoginRecord | undefined> {
    assertId(id, 'login id');
    assertId(secretHash, 'secretHash');
    assertTime(now, 'now');
    const args = [this.keys.loginChannel, id, secretHash, now];
    const reply = await guard(this.health, () => claimScript.run(this.redis, [this.keys.login(id)], args));
    return reply === null ? undefined : loginFromFields(id, fromPairs(reply));
  }

  watchLogins(listener: (id: string) => void): () => void {
    return this.events.logins.add(listener);
  }
}
