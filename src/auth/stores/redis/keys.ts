/** Every Redis key and channel the stores use, under one prefix so several gateways can share a server. */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** Hash of one session; expires with the session. */
  session(id: string): string {
    return `${this.sessionPrefix}${id}`;
  }

  /** Scripts derive a session's key from the id stored in a refresh token. */
  get sessionPrefix(): string {
    return `${this.prefix}session:`;
  }

  /** Hash {sessionId, state, expiresAt}; lives as long as its session, to detect reuse. */
  refreshToken(hash: string): string {
    return `${this.prefix}refresh:${hash}`;
  }

  /** Set of a user's session ids; expires with the user's longest session. */
  userSessions(userKey: string): string {
    return `${this.prefix}user-sessions:${userKey}`;
  }

  /** Sorted set of revoked jtis scored by expiry. */
  get revokedJtis(): string {
    return `${this.prefix}revoked-jtis`;
  }

  /** Hash userKey -> not-before watermark. */
  get userNotBefore(): string {
    return `${this.prefix}not-before`;
  }

  login(id: string): string {
    return `${this.prefix}login:${id}`;
  }

  /** Hash userKey -> last login time. */
  get users(): string {
    return `${this.prefix}users`;
  }

  get revocationChannel(): string {
    return `${this.prefix}events:revocations`;
  }

  get loginChannel(): string {
    return `${this.prefix}events:logins`;
  }
}
