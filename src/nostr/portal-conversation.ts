/**
 * The service side of Portal logins (docs/protocol.md 4.5), for many logins at once over two shared relay
 * subscriptions (one per incoming kind, filtered on the service key), not one per login: a pending
 * login is a few small objects and a timer, so tens of thousands fit in little memory.
 *
 *   startLogin → portal:// URL (shown as a QR code) → wallet sends KEY_HANDSHAKE with the token →
 *   we send AUTH_CHALLENGE to the wallet key → wallet sends AUTH_RESPONSE with the challenge →
 *   outcome approved (user key, granted permissions, opaque session token) or declined.
 *
 * Everything from relays is untrusted. Events that fail a check are dropped and counted in
 * stats(); nothing a relay or wallet sends can end a login other than its own valid answer.
 */
import type { NostrEvent } from 'nostr-tools/core';
import { InvalidArgument, LoginCapacityExceeded, type GatewayError } from '../errors.js';
import { nowSeconds, systemClock, type Clock } from '../keys/clock.js';
import { buildHandshakeUrl, isValidHandshakeToken, randomHandshakeToken } from './handshake-url.js';
import { KIND_AUTH_CHALLENGE, KIND_AUTH_RESPONSE, KIND_KEY_HANDSHAKE } from './kinds.js';
import {
  buildAuthChallengeContent,
  decryptContent,
  encryptContent,
  parseAuthResponse,
  parseKeyHandshake,
  randomChallenge,
  signEvent,
  type AuthResponse,
  type MessageProblem,
} from './portal-messages.js';
import type {
  AuthenticatorStats,
  HandshakeInfo,
  IgnoredReason,
  LoginOutcome,
  LoginRelayPool,
  PendingLogin,
  PortalConversationOptions,
  StartLoginOptions,
} from './portal-login-types.js';
import type { PoolSubscription } from './relay-pool.js';
import { subkeyAllowsLogin, verifySubkeyProof } from './subkey.js';

export type * from './portal-login-types.js';

interface Login {
  token: string;
  walletKey?: string;
  challenge?: string;
  expiresAtMs: number;
  timer: NodeJS.Timeout;
  onHandshake?: (info: HandshakeInfo) => void;
  settle(outcome: LoginOutcome): void;
}

type Counted = Exclude<keyof AuthenticatorStats, 'pendingLogins' | 'ignored'>;

export class PortalConversation {
  readonly servicePublicKey: string;
  private readonly secretKey: Uint8Array;
  private readonly pool: LoginRelayPool;
  /** Asked at each login: the relay list may change while the gateway runs. */
  private readonly relays: () => readonly string[];
  private readonly loginTimeoutMs: number;
  private readonly maxPendingLogins: number;
  private readonly maxClockSkewSec: number;
  private readonly clock: Clock;
  private readonly requiredPermissions: readonly string[];
  private readonly awaitingHandshake = new Map<string, Login>();
  private readonly awaitingResponse = new Map<string, Login>();
  private readonly subscriptions: PoolSubscription[];
  private readonly counts: Record<Counted, number> = {
    started: 0,
    handshakes: 0,
    approved: 0,
    declined: 0,
    expired: 0,
    cancelled: 0,
    failed: 0,
  };
  private readonly ignored: Omit<Record<IgnoredReason, number>, 'relayChecks'> = {
    oversized: 0,
    undecryptable: 0,
    malformed: 0,
    clockSkew: 0,
    unknownToken: 0,
    unknownChallenge: 0,
    wrongAuthor: 0,
    badSubkeyProof: 0,
  };

  constructor(options: PortalConversationOptions) {
    this.secretKey = options.service.secretKey;
    this.servicePublicKey = options.service.publicKey;
    this.pool = options.pool;
    const relays = options.relays;
    if (typeof relays === 'function') this.relays = relays;
    else {
      const fixed = [...relays];
      this.relays = () => fixed;
    }
    // Build one URL now so a bad relay list fails here, at start-up, not at the first login.
    buildHandshakeUrl({ mainKey: this.servicePublicKey, relays: this.relays(), token: randomHandshakeToken() });
    this.loginTimeoutMs = options.loginTimeoutMs ?? 300_000;
    this.maxPendingLogins = options.maxPendingLogins ?? 50_000;
    this.maxClockSkewSec = options.maxClockSkewSec ?? 900;
    this.clock = options.clock ?? systemClock;
    this.requiredPermissions = options.requiredPermissions ?? [];
    // Subscribed before any URL exists: the kinds are ephemeral, a late subscriber misses them.
    const p = [this.servicePublicKey];
    this.subscriptions = [
      this.pool.subscribe([{ kinds: [KIND_KEY_HANDSHAKE], '#p': p }], (event) => this.onHandshakeEvent(event)),
      this.pool.subscribe([{ kinds: [KIND_AUTH_RESPONSE], '#p': p }], (event) => this.onResponseEvent(event)),
    ];
  }

  startLogin(options: StartLoginOptions = {}): PendingLogin {
    const token = options.token ?? randomHandshakeToken();
    if (!isValidHandshakeToken(token))
      throw new InvalidArgument('login token must be 1-256 characters from A-Z a-z 0-9 . _ ~ -');
    if (this.awaitingHandshake.has(token))
      throw new InvalidArgument('a login with this token is already waiting for a wallet');
    if (this.pendingCount() >= this.maxPendingLogins) throw new LoginCapacityExceeded(this.maxPendingLogins);
    const url = buildHandshakeUrl({ mainKey: this.servicePublicKey, relays: this.relays(), token });

    let settle!: (outcome: LoginOutcome) => void;
    const outcome = new Promise<LoginOutcome>((resolve) => (settle = resolve));
    const expiresAtMs = this.clock() * 1000 + this.loginTimeoutMs;
    const login: Login = {
      token,
      expiresAtMs,
      timer: setTimeout(() => this.finish(login, { status: 'expired' }), this.loginTimeoutMs),
      settle,
    };
    login.timer.unref(); // pending logins alone must not keep the process alive
    if (options.onHandshake) login.onHandshake = options.onHandshake;
    this.awaitingHandshake.set(token, login);
    this.counts.started++;
    return { token, url, expiresAtMs, outcome, cancel: () => this.finish(login, { status: 'cancelled' }) };
  }

  stats(): AuthenticatorStats {
    const relayChecks = this.subscriptions.reduce((sum, s) => sum + s.stats().rejected, 0);
    return { pendingLogins: this.pendingCount(), ...this.counts, ignored: { ...this.ignored, relayChecks } };
  }

  /** Stops listening and cancels every pending login. The pool stays open (it belongs to the caller). */
  close(): void {
    for (const subscription of this.subscriptions) subscription.close();
    for (const login of [...this.awaitingHandshake.values(), ...this.awaitingResponse.values()]) {
      this.finish(login, { status: 'cancelled' });
    }
  }

  private pendingCount(): number {
    return this.awaitingHandshake.size + this.awaitingResponse.size;
  }

  private onHandshakeEvent(event: NostrEvent): void {
    const handshake = this.open(event, parseKeyHandshake);
    if (!handshake) return;
    const login = this.awaitingHandshake.get(handshake.token);
    if (!login) return void this.ignored.unknownToken++;
    // First match wins: the token is spent, later handshakes with it are unknown.
    this.awaitingHandshake.delete(login.token);
    const challenge = randomChallenge();
    login.walletKey = event.pubkey;
    login.challenge = challenge;
    this.awaitingResponse.set(challenge, login);
    this.counts.handshakes++;
    // The challenge first: the observer may do slow bookkeeping (a store write), the wallet waits.
    this.sendChallenge(login, event.pubkey, challenge);
    try {
      login.onHandshake?.({
        walletKey: event.pubkey,
        preferredRelays: handshake.preferredRelays,
        clientInfo: handshake.clientInfo,
      });
    } catch {
      // A failing observer must not break the login.
    }
  }

  private sendChallenge(login: Login, walletKey: string, challenge: string): void {
    const content = buildAuthChallengeContent({
      challenge,
      expiresAtSec: Math.floor(login.expiresAtMs / 1000),
      requiredPermissions: this.requiredPermissions,
    });
    const event = signEvent(
      this.secretKey,
      KIND_AUTH_CHALLENGE,
      [['p', walletKey]],
      encryptContent(content, this.secretKey, walletKey),
    );
    this.pool.publish(event).catch((error: GatewayError) => this.finish(login, { status: 'failed', error }));
  }

  private onResponseEvent(event: NostrEvent): void {
    const response = this.open(event, parseAuthResponse);
    if (!response) return;
    const login = this.awaitingResponse.get(response.challenge);
    if (!login) return void this.ignored.unknownChallenge++;
    const userKey = this.identityOf(event.pubkey, login.walletKey!, response);
    if (userKey === undefined) return;
    const walletKey = event.pubkey;
    const status = response.status;
    this.finish(
      login,
      status.status === 'approved'
        ? {
            status: 'approved',
            userKey,
            walletKey,
            grantedPermissions: status.grantedPermissions,
            sessionToken: status.sessionToken,
          }
        : { status: 'declined', userKey, walletKey, reason: status.reason },
    );
  }

  /**
   * The user a response speaks for: its author, which must be the key that sent the handshake, or
   * the main key of a valid subkey proof (the author is a subkey of it). Either side may be the
   * subkey. Undefined (and counted) when the author may not answer this login.
   */
  private identityOf(author: string, walletKey: string, response: AuthResponse): string | undefined {
    const proof = response.subkeyProof;
    if (!proof) {
      if (author === walletKey) return author;
      return void this.ignored.wrongAuthor++;
    }
    if (author !== walletKey && proof.mainKey !== walletKey) return void this.ignored.wrongAuthor++;
    if (!verifySubkeyProof(proof, author) || !subkeyAllowsLogin(proof.metadata, nowSeconds(this.clock))) {
      return void this.ignored.badSubkeyProof++;
    }
    return proof.mainKey;
  }

  /** Checks common to every incoming event, then NIP-44 decryption and the kind's parser. */
  private open<T>(
    event: NostrEvent,
    parse: (plaintext: string) => { ok: true; value: T } | { ok: false; problem: MessageProblem },
  ): T | undefined {
    if (Math.abs(event.created_at - nowSeconds(this.clock)) > this.maxClockSkewSec)
      return void this.ignored.clockSkew++;
    const plaintext = decryptContent(event.content, this.secretKey, event.pubkey);
    if (!plaintext.ok) return void this.ignored[plaintext.problem]++;
    const parsed = parse(plaintext.value);
    if (!parsed.ok) return void this.ignored[parsed.problem]++;
    return parsed.value;
  }

  private finish(login: Login, outcome: LoginOutcome): void {
    const removed =
      this.awaitingHandshake.get(login.token) === login
        ? this.awaitingHandshake.delete(login.token)
        : login.challenge !== undefined &&
          this.awaitingResponse.get(login.challenge) === login &&
          this.awaitingResponse.delete(login.challenge);
    if (!removed) return; // already ended
    clearTimeout(login.timer);
    this.counts[outcome.status]++;
    login.settle(outcome);
  }
}
