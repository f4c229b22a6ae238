/**
 * The decisions every in-process store shares (memory, SQLite). Redis makes the same decisions in
 * Lua (redis/scripts.ts) so that they stay atomic there; keep both in the same order.
 */
import type { LoginRecord, LoginStatus, RotateOutcome, SessionRecord } from './types.js';

export type RefreshTokenState = 'active' | 'used';

export interface RefreshTokenRow {
  sessionId: string;
  state: RefreshTokenState;
  expiresAt: number;
}

/** What presenting a stored refresh token of a stored session does at `now`. */
export function rotationOutcome(
  token: RefreshTokenRow,
  session: SessionRecord,
  now: number,
): Exclude<RotateOutcome, 'unknown'> {
  if (session.revokedAt !== undefined) return 'revoked';
  if (now >= session.expiresAt) return 'expired';
  // A rotated token seen again means two parties hold the family: revoke it (RFC 9700 4.14.2).
  if (token.state === 'used') return 'reused';
  if (now >= token.expiresAt) return 'expired';
  return 'rotated';
}

export function isLiveSession(session: SessionRecord, now: number): boolean {
  return session.revokedAt === undefined && now < session.expiresAt;
}

/** listSessions order in every backend: oldest first, ties by id. */
export function compareSessions(a: SessionRecord, b: SessionRecord): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Plain equality is enough for `secretHash`: it is a hash of a high-entropy secret, so timing
 * reveals nothing usable about the secret itself.
 */
export function canClaimLogin(record: LoginRecord, secretHash: string, now: number): boolean {
  return (
    record.status === 'approved' &&
    record.claimedAt === undefined &&
    record.secretHash === secretHash &&
    now < record.expiresAt
  );
}

export function statusMatches(status: LoginStatus, expected: readonly LoginStatus[] | undefined): boolean {
  return expected === undefined || expected.includes(status);
}
