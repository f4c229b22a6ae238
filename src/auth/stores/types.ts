/**
 * The state the gateway keeps between requests, behind small HTTP-free interfaces with one shared
 * contract (memory for unit tests, an SQLite file for one replica, Redis for several).
 * Times are Unix seconds; user keys are x-only public keys as 64 lower-case hex characters.
 */

/** One sign-in of one user on one client; it owns one refresh-token family. */
export interface SessionRecord {
  id: string;
  userKey: string;
  createdAt: number;
  lastUsedAt: number;
  /** Absolute end of the session: no refresh token of the family works from this second on. */
  expiresAt: number;
  revokedAt?: number;
  userAgent?: string;
  clientIp?: string;
  permissions: string[];
}

/** Client details refreshed when a session is used. */
export interface SessionMeta {
  userAgent?: string;
  clientIp?: string;
}

export type RotateOutcome = 'rotated' | 'reused' | 'expired' | 'revoked' | 'unknown';

/**
 * Result of presenting a refresh token. `reused` means the token had already been rotated: the
 * whole family has just been revoked (RFC 9700 section 4.14.2).
 */
export type RotateResult =
  { outcome: 'rotated' | 'reused' | 'expired' | 'revoked'; session: SessionRecord } | { outcome: 'unknown' };

export interface SessionStore {
  /** Throws StoreConflict if the session id or the refresh token hash is already stored. */
  createSession(session: SessionRecord, refreshTokenHash: string, refreshExpiresAt: number): Promise<void>;
  /**
   * Atomically trade the family's active refresh token `oldHash` for `newHash`. Of several
   * concurrent calls with the same `oldHash`, exactly one gets `rotated`. The new token expires at
   * `newExpiresAt`, by default when the old one would have; `meta` is recorded on the session as
   * touchSession does, in the same step (one round trip per refresh).
   */
  rotateRefreshToken(
    oldHash: string,
    newHash: string,
    now: number,
    newExpiresAt?: number,
    meta?: SessionMeta,
  ): Promise<RotateResult>;
  /** Mark a live session as used now; false if it is unknown, expired or revoked. */
  touchSession(id: string, now: number, meta?: SessionMeta): Promise<boolean>;
  /** The session (revoked ones included) until it expires. */
  getSession(id: string): Promise<SessionRecord | undefined>;
  /** The user's sessions that are neither revoked nor expired. */
  listSessions(userKey: string): Promise<SessionRecord[]>;
  /** True if the session was live and is now revoked. */
  revokeSession(id: string, now: number): Promise<boolean>;
  /** Revoke every live session of the user; returns how many were revoked. */
  revokeUserSessions(userKey: string, now: number): Promise<number>;
  /** The session a refresh token (active or already rotated) belongs to. */
  findSessionByRefreshHash(hash: string): Promise<SessionRecord | undefined>;
}

export type RevocationEvent =
  | { kind: 'jti'; jti: string; expiresAt: number }
  | { kind: 'not-before'; userKey: string; notBefore: number }
  /** The subscription was interrupted (reconnect): events may have been missed, reload everything. */
  | { kind: 'resync' };

export interface RevocationSnapshot {
  jtis: { jti: string; expiresAt: number }[];
  userNotBefore: { userKey: string; notBefore: number }[];
}

export interface RevocationStore {
  /** Deny-list an access token id until `expiresAt` (its `exp`). */
  revokeJti(jti: string, expiresAt: number): Promise<void>;
  /** Raise the user's watermark (never lowers it); returns the watermark now in force. */
  setUserNotBefore(userKey: string, notBefore: number): Promise<number>;
  /** Every revocation still in force at `now`, to warm an in-memory list. */
  loadRevocations(now: number): Promise<RevocationSnapshot>;
  /**
   * Hear every revocation made through any instance on the same backing store, this one
   * included. Returns the function that stops listening.
   */
  subscribe(listener: (event: RevocationEvent) => void): () => void;
}

export const LOGIN_STATUSES = ['pending', 'handshake', 'approved', 'declined', 'expired'] as const;
export type LoginStatus = (typeof LOGIN_STATUSES)[number];

/** A login in progress; it can be started on one replica and finished or polled on another. */
export interface LoginRecord {
  id: string;
  status: LoginStatus;
  createdAt: number;
  /** The record disappears at this second. */
  expiresAt: number;
  /** Hash of the secret that binds the login to the client that started it. */
  secretHash: string;
  userKey?: string;
  reason?: string;
  /** Opaque to the store (the caller encrypts it); handed out once by claimLoginResult. */
  sealedResult?: string;
  claimedAt?: number;
}

/** Fields an update may set; absent fields are left as they are. */
export type LoginPatch = Partial<Pick<LoginRecord, 'status' | 'expiresAt' | 'userKey' | 'reason' | 'sealedResult'>>;

export interface UpdateLoginOptions {
  /** Compare-and-set: update only if the current status is this one (or one of these). */
  expectStatus?: LoginStatus | readonly LoginStatus[];
}

export interface LoginStore {
  /** Throws StoreConflict if the id is already stored. */
  createLogin(record: LoginRecord): Promise<void>;
  getLogin(id: string): Promise<LoginRecord | undefined>;
  /** False if the login is gone or its status did not match `expectStatus`. */
  updateLogin(id: string, patch: LoginPatch, options?: UpdateLoginOptions): Promise<boolean>;
  /**
   * Hand out an approved login's result exactly once, to the holder of the secret: returns the
   * record with its `sealedResult` and stores it with `claimedAt` set and the result removed.
   */
  claimLoginResult(id: string, secretHash: string, now: number): Promise<LoginRecord | undefined>;
  /** Hear the id of every login changed (updated or claimed) through any instance. */
  watchLogins(listener: (id: string) => void): () => void;
}

export interface UserStore {
  /** Remember that the user completed a login (wallet-issued tokens are accepted from known users). */
  recordLogin(userKey: string, now: number): Promise<void>;
  isKnownUser(userKey: string): Promise<boolean>;
}

export type StoresConfig =
  { kind: 'memory' } | { kind: 'sqlite'; path: string } | { kind: 'redis'; url: string; keyPrefix?: string };

/** A change in whether the backing store answers; `reason` is for the log only. */
export interface StoreAvailability {
  available: boolean;
  reason?: string;
}

export interface Stores {
  sessions: SessionStore;
  revocations: RevocationStore;
  logins: LoginStore;
  users: UserStore;
  /** Resolves when the backing store answers (readiness); throws StoreUnavailable otherwise. */
  ping(): Promise<void>;
  /**
   * Hear when a store reached over the network stops answering and when it answers again (a file or
   * memory store has no outages of its own: absent). Returns the function that stops listening.
   */
  watchAvailability?(listener: (change: StoreAvailability) => void): () => void;
  /** Release connections and timers; other instances on the same backing store are unaffected. */
  close(): Promise<void>;
}
