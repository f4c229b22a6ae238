/**
 * The revocation check run on every request: two Map lookups in memory, no I/O. The list is warmed
 * from a RevocationStore and kept in step with it through the store's notifications, so a logout
 * on one replica reaches every replica's list at once.
 */
import { DEFAULT_CLOCK_TOLERANCE_SEC, type PortalClaims } from '../jwt/claims.js';
import { nowSeconds } from '../keys/clock.js';
import type { RevocationEvent, RevocationStore } from './stores/types.js';

/** The claims the check needs; verified PortalClaims fit as they are. */
/** Deny-list entries for whole sessions; jtis are base64url, so they never contain ':'. */
const SESSION_ENTRY = 'sid:';

export interface RevocationCheck {
  /**
   * Synchronous, in-memory: called on every authenticated request. `userKey` is the user the token
   * stands for when that is not its `target_key` (wallet-issued tokens: the signer).
   */
  isRevoked(claims: Pick<PortalClaims, 'target_key' | 'iat'> & { jti?: unknown }, userKey?: string): boolean;
}

export interface RevocationSubject {
  jti?: unknown;
  /** Session id of a gateway-issued access token. */
  sid?: unknown;
  target_key: string;
  iat?: number;
}

export interface RevocationListOptions {
  /** Current Unix seconds; default the wall clock. */
  now?: () => number;
  /**
   * The verifier's clock tolerance: a token still verifies up to this long after its `exp`, so its
   * jti must stay deny-listed that long too. Default 60 s, as the verifier's.
   */
  clockToleranceSec?: number;
  /** How often expired jtis are dropped (and a failed reload retried). Default 60 s. */
  pruneIntervalMs?: number;
}

export class RevocationList {
  private readonly jtis = new Map<string, number>();
  private readonly notBefore = new Map<string, number>();
  private readonly now: () => number;
  private readonly clockToleranceSec: number;
  private readonly pruneIntervalMs: number;
  private unsubscribe: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** A reload after a missed-events notice failed; the next tick tries again. */
  private stale = false;

  constructor(
    private readonly store: RevocationStore,
    options: RevocationListOptions = {},
  ) {
    this.now = options.now ?? nowSeconds;
    this.clockToleranceSec = options.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC;
    this.pruneIntervalMs = options.pruneIntervalMs ?? 60_000;
  }

  /** Subscribes, then loads what the store holds; throws the store's error if it cannot. */
  async start(): Promise<void> {
    if (this.unsubscribe) return;
    // Subscribe first so nothing revoked during the load is missed; merging keeps the larger
    // value, so an event and the snapshot may arrive in any order.
    this.unsubscribe = this.store.subscribe((event) => this.apply(event));
    try {
      await this.reload();
    } catch (error) {
      this.stop();
      throw error;
    }
    this.timer = setInterval(() => this.tick(), this.pruneIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The user's watermark: tokens issued before it are revoked (undefined when there is none). */
  notBeforeOf(userKey: string): number | undefined {
    return this.notBefore.get(userKey);
  }

  /**
   * Is this verified token revoked? `userKey` is the identity the token stands for: `target_key`
   * for gateway-issued tokens (the default), the recovered signer for wallet-issued ones. A token
   * without `iat` counts as issued at 0, so any watermark revokes it.
   */
  isRevoked(claims: RevocationSubject, userKey: string = claims.target_key): boolean {
    if (typeof claims.jti === 'string' && this.jtis.has(claims.jti)) return true;
    if (typeof claims.sid === 'string' && this.jtis.has(SESSION_ENTRY + claims.sid)) return true;
    const notBefore = this.notBefore.get(userKey);
    return notBefore !== undefined && (claims.iat ?? 0) < notBefore;
  }

  /**
   * Deny-lists every access token of one session (logout, session ended, refresh token reused) until
   * `expiresAt`, the latest `exp` any of them can have. Kept in the jti list under a prefix no jti has.
   */
  async revokeSession(sessionId: string, expiresAt: number): Promise<void> {
    await this.revokeJti(SESSION_ENTRY + sessionId, expiresAt);
  }

  /** Deny-lists one access token (logout) until its `exp`, here and on every replica. */
  async revokeJti(jti: string, expiresAt: number): Promise<void> {
    await this.store.revokeJti(jti, expiresAt);
    this.apply({ kind: 'jti', jti, expiresAt });
  }

  /**
   * Revokes every access token of the user issued up to and including the current second (a
   * token issued in the same second as the logout may predate it). Returns the watermark.
   */
  async logoutEverywhere(userKey: string): Promise<number> {
    const notBefore = await this.store.setUserNotBefore(userKey, this.now() + 1);
    this.apply({ kind: 'not-before', userKey, notBefore });
    return notBefore;
  }

  /** Drops jtis whose tokens can no longer verify. */
  prune(): void {
    const cutoff = this.now() - this.clockToleranceSec;
    for (const [jti, expiresAt] of this.jtis) if (expiresAt <= cutoff) this.jtis.delete(jti);
  }

  get size(): { jtis: number; users: number } {
    return { jtis: this.jtis.size, users: this.notBefore.size };
  }

  private apply(event: RevocationEvent): void {
    switch (event.kind) {
      case 'jti':
        raise(this.jtis, event.jti, event.expiresAt);
        break;
      case 'not-before':
        raise(this.notBefore, event.userKey, event.notBefore);
        break;
      case 'resync':
        void this.reloadOrMarkStale();
        break;
    }
  }

  private async reload(): Promise<void> {
    const snapshot = await this.store.loadRevocations(Math.max(0, this.now() - this.clockToleranceSec));
    for (const { jti, expiresAt } of snapshot.jtis) raise(this.jtis, jti, expiresAt);
    for (const { userKey, notBefore } of snapshot.userNotBefore) raise(this.notBefore, userKey, notBefore);
    this.stale = false;
  }

  private async reloadOrMarkStale(): Promise<void> {
    try {
      await this.reload();
    } catch {
      // The store is down: keep enforcing what is known and retry at the next tick.
      this.stale = true;
    }
  }

  private tick(): void {
    this.prune();
    if (this.stale) void this.reloadOrMarkStale();
  }
}

/** Revocations only ever grow: keep the larger of the known and the new value. */
function raise(map: Map<string, number>, key: string, value: number): void {
  const current = map.get(key);
  if (current === undefined || value > current) map.set(key, value);
}
