/**
 * Access and refresh tokens for signed-in users. Access tokens are flow-A Portal JWTs signed by the
 * service key (`target_key` = the user) with `jti`, `sid` and `permissions` appended after Portal's four
 * claims. Refresh tokens are opaque random strings, stored only as SHA-256 hashes, single-use: each
 * refresh rotates, and presenting a rotated one revokes its whole session (RFC 9700 section 4.14.2).
 *
 * The one owner of a session's life: start, refresh, logout, logout everywhere, end one, list. Ending a
 * session also puts it on the revocation list, so its access tokens stop at once; the routes touch no store.
 */
import { createHash, randomBytes } from 'node:crypto';
import { npubEncode } from 'nostr-tools/nip19';
import { RefreshTokenInvalid, RefreshTokenReused, SessionNotFound } from '../errors.js';
import { ignoreEvents, type EmitEvent } from '../events.js';
import { nowSeconds } from '../keys/clock.js';
import type { JwtIssuer } from '../jwt/issue.js';
import type { RevocationList } from './revocation-list.js';
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
   * Ended sessions and logouts go on it. Its watermarks also date new tokens: a token issued in the same
   * second as a logout-everywhere would fall under it, so new tokens are stamped no earlier.
   */
  revocations: RevocationList;
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
  private readonly revocations: RevocationList;
  private readonly emit: EmitEvent;

  constructor(options: SessionServiceOptions) {
    this.issuer = options.issuer;
    this.sessions = options.sessions;
    this.accessTtlSec = options.accessTtlSec;
    this.refreshTtlSec = options.refreshTtlSec;
    this.now = options.now ?? nowSeconds;
    this.revocations = options.revocations;
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
    // One store round trip: the new token keeps the old one's expiry (the session's: rotation never extends
    // a session), and the client's details are recorded in the same step.
    const client = meta.userAgent !== undefined || meta.clientIp !== undefined ? meta : undefined;
    const result = await this.sessions.rotateRefreshToken(
      hashRefreshToken(refreshToken),
      hashRefreshToken(next),
      now,
      undefined,
      client,
    );
    if (result.outcome === 'reused') {
      this.emit(
        'refresh_token_reused',
        { session_id: result.session.id, npub: npubEncode(result.session.userKey) },
        'warn',
      );
      await this.revocations.revokeSession(result.session.id, now + this.accessTtlSec);
      throw new RefreshTokenReused();
    }
    if (result.outcome !== 'rotated')
      throw new RefreshTokenInvalid(
        `the refresh token is ${result.outcome === 'unknown' ? 'not known' : result.outcome}`,
      );
    this.emit('session_refreshed', { session_id: result.session.id, npub: npubEncode(result.session.userKey) });
    return this.respond(result.session, next, now);
  }

  /** End one session: its refresh tokens and, at once, every access token issued for it. */
  async endSession(sessionId: string): Promise<boolean> {
    const now = this.now();
    const ended = await this.sessions.revokeSession(sessionId, now);
    await this.revocations.revokeSession(sessionId, now + this.accessTtlSec);
    return ended;
  }

  /** Logout with one access token: the token itself, and its session when it is one of `userKey`'s. True when a session ended. */
  async logout(userKey: string, token: { jti?: string; exp: number; sessionId?: string }): Promise<boolean> {
    if (token.jti) await this.revocations.revokeJti(token.jti, token.exp);
    if (token.sessionId === undefined) return false;
    const session = await this.sessions.getSession(token.sessionId);
    return session?.userKey === userKey ? this.endSession(token.sessionId) : false;
  }

  /** Every token of the user issued until now stops, and every session of theirs ends. */
  async logoutEverywhere(userKey: string): Promise<{ notBefore: number; sessions: number }> {
    const notBefore = await this.revocations.logoutEverywhere(userKey);
    const sessions = await this.sessions.revokeUserSessions(userKey, this.now());
    return { notBefore, sessions };
  }

  /** The session `sessionId` when it is one of `userKey`'s (expired ones are gone; revoked ones are kept). */
  async sessionOf(userKey: string, sessionId: string | undefined): Promise<SessionRecord | undefined> {
    const session = sessionId === undefined ? undefined : await this.sessions.getSession(sessionId);
    return session?.userKey === userKey ? session : undefined;
  }

  /** The user's live sessions. */
  listSessions(userKey: string): Promise<SessionRecord[]> {
    return this.sessions.listSessions(userKey);
  }

  /** Ends a live session of the user's; another user's id is answered exactly like an unknown one (SessionNotFound). */
  async endSessionOf(userKey: string, sessionId: string): Promise<void> {
    const session = await this.sessionOf(userKey, sessionId);
    if (!session || session.revokedAt !== undefined) throw new SessionNotFound();
    await this.endSession(sessionId);
  }

  private respond(session: SessionRecord, refreshToken: string, now: number): TokenResponse {
    const accessToken = this.issuer.issue(session.userKey, {
      ttlSec: this.accessTtlSec,
      now: Math.max(now, this.revocations.notBeforeOf(session.userKey) ?? 0),
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
