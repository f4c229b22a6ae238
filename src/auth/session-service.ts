/**
 * Access and refresh tokens for signed-in users. Access tokens are flow-A Portal JWTs signed by the
 * service key (`target_key` = the user) with `jti`, `sid` and `permissions` appended after Portal's four
 * claims. Refresh tokens are opaque random strings, stored only as SHA-256 hashes, single-use: each
 * refresh rotates, and presenting a rotated one revokes its whole session (RFC 9700 section 4.14.2).
 */
import { createHash, randomBytes } from 'node:crypto';
import { npubEncode } from 'nostr-tools/nip19';
import { RefreshTokenInvalid, RefreshTokenReused } from '../errors.js';
import { ignoreEvents, type EmitEvent } from '../events.js';
import { nowSeconds } from '../keys/clock.js';
import type { JwtIssuer } from '../jwt/issue.js';
import type { SessionMeta, SessionRecord, SessionStore } from './stores/types.js';

/** What token endpoints answer, in the shape OAuth clients expect. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  /** Seconds until the access token expires. */
  expires_in: number;
  refresh_token: string;
  /** Seconds until the refresh token (and the session) expires. */
  refresh_expires_in: number;
  session_id: string;
}

export interface SessionServiceOptions {
  issuer: JwtIssuer;
  sessions: SessionStore;
  accessTtlSec: number;
  refreshTtlSec: number;
  now?: () => number;
  /**
   * The user's revocation watermark. A token issued in the same second as a logout-everywhere would
   * fall under it, so new tokens are stamped no earlier than the watermark.
   */
  notBeforeOf?: (userKey: string) => number | undefined;
  /** Called when a session ends through refresh-token reuse, to revoke its access tokens at once. */
  onSessionRevoked?: (sessionId: string, accessTokensExpireBy: number) => Promise<void>;
  /** Refreshes and detected reuse are logged. */
  emit?: EmitEvent;
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function randomId(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

export class SessionService {
  private readonly issuer: JwtIssuer;
  private readonly sessions: SessionStore;
  private readonly accessTtlSec: number;
  private readonly refreshTtlSec: number;
  private readonly now: () => number;
  private readonly notBeforeOf: (userKey: string) => number | undefined;

  private readonly onSessionRevoked: SessionServiceOptions['onSessionRevoked'];
  private readonly emit: EmitEvent;

  constructor(options: SessionServiceOptions) {
    this.issuer = options.issuer;
    this.sessions = options.sessions;
    this.accessTtlSec = options.accessTtlSec;
    this.refreshTtlSec = options.refreshTtlSec;
    this.now = options.now ?? nowSeconds;
    this.notBeforeOf = options.notBeforeOf ?? (() => undefined);
    this.onSessionRevoked = options.onSessionRevoked;
    this.emit = options.emit ?? ignoreEvents;
  }

  /** A new session for a user who just signed in: its first access and refresh tokens. */
  async startSession(userKey: string, permissions: readonly string[], meta: SessionMeta = {}): Promise<TokenResponse> {
    const now = this.now();
    const session: SessionRecord = {
      id: randomId(16),
      userKey,
      createdAt: now,
      lastUsedAt: now,
      expiresAt: now + this.refreshTtlSec,
      permissions: [...permissions],
      ...meta,
    };
    const refreshToken = randomId(32);
    await this.sessions.createSession(session, hashRefreshToken(refreshToken), session.expiresAt);
    return this.respond(session, refreshToken, now);
  }

  /** Trade a refresh token for a new pair; throws RefreshTokenReused / RefreshTokenInvalid. */
  async refresh(refreshToken: string, meta: SessionMeta = {}): Promise<TokenResponse> {
    if (typeof refreshToken !== 'string' || refreshToken.length === 0 || refreshToken.length > 256) {
      throw new RefreshTokenInvalid('refresh_token is missing or malformed');
    }
    const now = this.now();
    const next = randomId(32);
    // The session's absolute expiry is kept: rotation does not extend a session forever.
    const current = await this.sessions.findSessionByRefreshHash(hashRefreshToken(refreshToken));
    const result = await this.sessions.rotateRefreshToken(hashRefreshToken(refreshToken), hashRefreshToken(next), now, current?.expiresAt ?? now);
    if (result.outcome === 'reused') {
      this.emit('refresh_token_reused', { session_id: result.session.id, npub: npubEncode(result.session.userKey) }, 'warn');
      await this.onSessionRevoked?.(result.session.id, now + this.accessTtlSec);
      throw new RefreshTokenReused();
    }
    if (result.outcome !== 'rotated') throw new RefreshTokenInvalid(`the refresh token is ${result.outcome === 'unknown' ? 'not known' : result.outcome}`);
    if (meta.userAgent !== undefined || meta.clientIp !== undefined) await this.sessions.touchSession(result.session.id, now, meta);
    this.emit('session_refreshed', { session_id: result.session.id, npub: npubEncode(result.session.userKey) });
    return this.respond(result.session, next, now);
  }

  private respond(session: SessionRecord, refreshToken: string, now: number): TokenResponse {
    const accessToken = this.issuer.issue(session.userKey, {
      ttlSec: this.accessTtlSec,
      now: Math.max(now, this.notBeforeOf(session.userKey) ?? 0),
      extraClaims: { jti: randomId(16), sid: session.id, permissions: session.permissions },
    });
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: this.accessTtlSec,
      refresh_token: refreshToken,
      refresh_expires_in: Math.max(0, session.expiresAt - now),
      session_id: session.id,
    };
  }
}
