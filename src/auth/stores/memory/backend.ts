/**
 * The data of one in-memory backing store. Several `Stores` instances may share one backend, the
 * way several gateway instances share one SQLite file or Redis server (used by the contract tests).
 */
import { Listeners } from '../listeners.js';
import { systemClock, type Clock } from '../../../keys/clock.js';
import type { RefreshTokenRow } from '../rules.js';
import type { LoginRecord, RevocationEvent, SessionRecord } from '../types.js';

export class MemoryBackend {
  readonly sessions = new Map<string, SessionRecord>();
  readonly refreshTokens = new Map<string, RefreshTokenRow>();
  readonly jtis = new Map<string, number>();
  readonly userNotBefore = new Map<string, number>();
  readonly logins = new Map<string, LoginRecord>();
  readonly users = new Map<string, number>();
  readonly revocationEvents = new Listeners<RevocationEvent>();
  readonly loginEvents = new Listeners<string>();

  /** `clock`: the time records expire on (every instance on this backend shares it). */
  constructor(readonly clock: Clock = systemClock) {}

  /** The session unless it has expired (then it is dropped with its refresh tokens). */
  session(id: string): SessionRecord | undefined {
    const session = this.sessions.get(id);
    if (session === undefined || this.clock() < session.expiresAt) return session;
    this.sessions.delete(id);
    for (const [hash, token] of this.refreshTokens) if (token.sessionId === id) this.refreshTokens.delete(hash);
    return undefined;
  }

  /** The login unless it has expired (then it is dropped). */
  login(id: string): LoginRecord | undefined {
    const login = this.logins.get(id);
    if (login === undefined || this.clock() < login.expiresAt) return login;
    this.logins.delete(id);
    return undefined;
  }
}

/** Records leave the store as copies, so a caller cannot change stored state by mutating them. */
export function copySession(session: SessionRecord): SessionRecord {
  return { ...session, permissions: [...session.permissions] };
}
