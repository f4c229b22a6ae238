/**
 * Wallet logins from the client's point of view: start one (portal:// URL, QR code, a secret that
 * binds it to this client), follow its status, and claim the tokens once it is approved. The Nostr
 * conversation runs on the replica that started the login; its progress goes through the login store,
 * so any replica can answer status requests and hand out the (sealed) tokens exactly once.
 */
import { randomBytes } from 'node:crypto';
import { npubEncode } from 'nostr-tools/nip19';
import QRCode from 'qrcode';
import { LoginNotFound } from '../errors.js';
import { ignoreEvents, type EmitEvent } from '../events.js';
import { nowSeconds } from '../keys/clock.js';
import type { LoginOutcome, PortalConversation } from '../nostr/portal-conversation.js';
import { hashLoginSecret, openLoginResult, sealLoginResult } from './login-result-seal.js';
import type { LoginPatch, LoginStatus, LoginStore, SessionMeta, UserStore } from './stores/types.js';
import type { TokenResponse, SessionService } from './session-service.js';

/** How long an approved login's tokens wait to be claimed after the login itself would have expired. */
const CLAIM_GRACE_SEC = 120;

export interface LoginView {
  login_id: string;
  status: LoginStatus;
  /** Unix seconds after which a pending login is expired. */
  expires_at: number;
  /** The signed-in user, once the wallet has answered. */
  user?: { target_key: string; npub: string };
  /** The wallet's reason for declining, if it gave one. */
  reason?: string;
  /** True once the tokens of an approved login have been handed out. */
  claimed?: boolean;
}

export interface StartedLogin extends LoginView {
  portal_url: string;
  qr_svg: string;
  /** Binds the login to the client that started it; needed to receive the tokens. */
  login_secret: string;
}

export interface LoginServiceOptions {
  authenticator: PortalConversation;
  logins: LoginStore;
  users: UserStore;
  tokens: SessionService;
  /** Must match the authenticator's login timeout. */
  loginTtlSec: number;
  /** Permissions a wallet may grant into the access token (those the gateway asked for); others are dropped. */
  grantablePermissions: readonly string[];
  onError?: (error: unknown) => void;
  /** Each step of a login is logged. */
  emit?: EmitEvent;
  now?: () => number;
}

export class LoginService {
  private readonly options: LoginServiceOptions;
  private readonly now: () => number;
  private readonly emit: EmitEvent;

  constructor(options: LoginServiceOptions) {
    this.options = options;
    this.now = options.now ?? nowSeconds;
    this.emit = options.emit ?? ignoreEvents;
  }

  async start(meta: SessionMeta = {}): Promise<StartedLogin> {
    const { authenticator, logins, loginTtlSec } = this.options;
    const id = randomBytes(16).toString('base64url');
    const secret = randomBytes(32).toString('base64url');
    const createdAt = this.now();
    await logins.createLogin({
      id,
      status: 'pending',
      createdAt,
      expiresAt: createdAt + loginTtlSec + CLAIM_GRACE_SEC,
      secretHash: hashLoginSecret(secret),
    });
    const pending = authenticator.startLogin({
      onHandshake: ({ walletKey }) => {
        this.emit('login_handshake', { login_id: id, npub: npubEncode(walletKey) });
        void this.update(id, { status: 'handshake' }, ['pending']);
      },
    });
    this.emit('login_started', { login_id: id });
    void pending.outcome
      .then((outcome) => this.settle(id, secret, outcome, meta))
      .catch((error) => this.options.onError?.(error));
    return {
      login_id: id,
      status: 'pending',
      expires_at: createdAt + loginTtlSec,
      portal_url: pending.url,
      qr_svg: await QRCode.toString(pending.url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }),
      login_secret: secret,
    };
  }

  /** Public status of a login (no tokens). Throws LoginNotFound. */
  async view(id: string): Promise<LoginView> {
    const record = await this.options.logins.getLogin(id);
    if (!record) throw new LoginNotFound();
    const expiresAt = record.createdAt + this.options.loginTtlSec;
    // A login whose replica went away never settles: report it expired on time anyway.
    const stalled = (record.status === 'pending' || record.status === 'handshake') && this.now() >= expiresAt;
    const view: LoginView = { login_id: record.id, status: stalled ? 'expired' : record.status, expires_at: expiresAt };
    if (record.userKey) view.user = { target_key: record.userKey, npub: npubEncode(record.userKey) };
    if (record.reason) view.reason = record.reason;
    if (record.status === 'approved') view.claimed = record.claimedAt !== undefined;
    return view;
  }

  /** The tokens of an approved login, once, for the holder of its secret; otherwise undefined. */
  async claim(id: string, secret: string): Promise<TokenResponse | undefined> {
    const record = await this.options.logins.claimLoginResult(id, hashLoginSecret(secret), this.now());
    if (!record?.sealedResult) return undefined;
    return openLoginResult<TokenResponse>(record.sealedResult, secret, id);
  }

  /** Hear every login change (any replica); returns the function that stops listening. */
  watch(listener: (id: string) => void): () => void {
    return this.options.logins.watchLogins(listener);
  }

  private async settle(id: string, secret: string, outcome: LoginOutcome, meta: SessionMeta): Promise<void> {
    const open: LoginStatus[] = ['pending', 'handshake'];
    switch (outcome.status) {
      case 'approved': {
        const { users, tokens, grantablePermissions } = this.options;
        await users.recordLogin(outcome.userKey, this.now());
        const permissions = outcome.grantedPermissions.filter((p) => grantablePermissions.includes(p));
        const issued = await tokens.startSession(outcome.userKey, permissions, meta);
        await this.update(
          id,
          { status: 'approved', userKey: outcome.userKey, sealedResult: sealLoginResult(issued, secret, id) },
          open,
        );
        this.emit('login_approved', { login_id: id, npub: npubEncode(outcome.userKey), session_id: issued.session_id });
        return;
      }
      case 'declined':
        await this.update(
          id,
          { status: 'declined', userKey: outcome.userKey, ...(outcome.reason ? { reason: outcome.reason } : {}) },
          open,
        );
        // The reason is the wallet's free text: logged as a JSON string, and cut short.
        this.emit('login_declined', {
          login_id: id,
          npub: npubEncode(outcome.userKey),
          ...(outcome.reason ? { reason: outcome.reason.slice(0, 200) } : {}),
        });
        return;
      case 'failed':
        await this.update(id, { status: 'expired', reason: outcome.error.message }, open);
        this.emit('login_expired', { login_id: id, reason: outcome.error.message }, 'warn');
        return;
      default:
        await this.update(id, { status: 'expired' }, open);
        this.emit('login_expired', {
          login_id: id,
          ...(outcome.status === 'cancelled' ? { reason: 'gateway shutting down' } : {}),
        });
    }
  }

  private async update(id: string, patch: LoginPatch, expect: LoginStatus[]): Promise<void> {
    try {
      await this.options.logins.updateLogin(id, patch, { expectStatus: expect });
    } catch (error) {
      this.options.onError?.(error);
    }
  }
}
