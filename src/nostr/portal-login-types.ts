/**
 * Public types of the Portal login service (PortalConversation): its options, what a pending login
 * gives the caller, how a login ends, and the counters of what was ignored.
 */
import type { Clock } from '../keys/clock.js';
import type { GatewayError } from '../errors.js';
import type { KeyHandshake, MessageProblem } from './portal-messages.js';
import type { RelayPool } from './relay-pool.js';

/** What the authenticator needs from a relay pool. */
export type LoginRelayPool = Pick<RelayPool, 'subscribe' | 'publish'>;

export interface PortalConversationOptions {
  pool: LoginRelayPool;
  /**
   * The gateway's service key, derived once by createGateway: its secret (32 bytes) signs and decrypts the
   * conversation's Nostr events, its public key (x-only hex) is the one the wallet answers to.
   */
  service: { secretKey: Uint8Array; publicKey: string };
  /**
   * Relays named in the portal:// URL; the pool should be connected to them. A function is asked at
   * each login, so that relays added or removed at run time show up in new URLs.
   */
  relays: readonly string[] | (() => readonly string[]);
  /** Default 300,000 (5 minutes, as the reference). */
  loginTimeoutMs?: number;
  /** startLogin throws LoginCapacityExceeded beyond this. Default 50,000. */
  maxPendingLogins?: number;
  /** Events stamped further than this from our clock are dropped. Default 900. */
  maxClockSkewSec?: number;
  /** Sent in every AUTH_CHALLENGE. Default none. */
  requiredPermissions?: readonly string[];
  /** The gateway's clock (login expiry, subkey validity, event skew). Default the system clock. */
  clock?: Clock;
}

export interface HandshakeInfo {
  /** The key the wallet signs with (x-only hex); the challenge goes to it. */
  walletKey: string;
  /** Relays the wallet reads. Not connected automatically: a stranger must not make the gateway open arbitrary URLs. */
  preferredRelays: string[];
  clientInfo: KeyHandshake['clientInfo'];
}

export type LoginOutcome =
  | { status: 'approved'; userKey: string; walletKey: string; grantedPermissions: string[]; sessionToken: string }
  | { status: 'declined'; userKey: string; walletKey: string; reason: string | null }
  | { status: 'expired' }
  | { status: 'cancelled' }
  | { status: 'failed'; error: GatewayError };

export interface StartLoginOptions {
  /** A caller-chosen token (1-256 of `A-Z a-z 0-9 . _ ~ -`); default: 192 random bits. */
  token?: string;
  /** Called once, when the wallet's handshake arrives (the QR code was scanned). */
  onHandshake?: (info: HandshakeInfo) => void;
}

export interface PendingLogin {
  readonly token: string;
  /** portal:// URL for the wallet (link or QR code). */
  readonly url: string;
  readonly expiresAtMs: number;
  /** Settles once with the final outcome; never rejects. */
  readonly outcome: Promise<LoginOutcome>;
  /** Ends the login now (outcome `cancelled`); no-op once it has ended. */
  cancel(): void;
}

export type IgnoredReason =
  MessageProblem | 'relayChecks' | 'clockSkew' | 'unknownToken' | 'unknownChallenge' | 'wrongAuthor' | 'badSubkeyProof';

export interface AuthenticatorStats {
  pendingLogins: number;
  started: number;
  handshakes: number;
  approved: number;
  declined: number;
  expired: number;
  cancelled: number;
  failed: number;
  /** Events dropped, by reason. `relayChecks`: bad signature or id, wrong kind or tags (checked by the pool). */
  ignored: Record<IgnoredReason, number>;
}
