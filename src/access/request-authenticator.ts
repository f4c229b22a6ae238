/**
 * Turns a presented token into a PortalIdentity: strict verification against the trusted issuers
 * (through the verified-token cache), then the revocation check. Tokens no trusted issuer signed may
 * still be wallet-issued (flow B, signed by a known user for this gateway). HTTP-free; throws
 * GatewayErrors.
 */
import { npubEncode } from 'nostr-tools/nip19';
import { JwtSignatureInvalid, TokenRevoked } from '../errors.js';
import type { TokenVerifier, VerifiedToken } from '../jwt/token-verifier.js';
import type { VerifiedWalletToken, WalletTokenVerifier } from '../jwt/wallet-token-verifier.js';
import type { RevocationCheck } from '../auth/revocation-list.js';
import { nowSeconds, type Clock } from '../keys/clock.js';
import type { PortalIdentity } from './identity.js';

export interface RequestAuthenticatorOptions {
  verifier: TokenVerifier;
  revocations?: RevocationCheck;
  /** Accept wallet-issued tokens (flow B) through `authenticateAny`; absent: flow A only. */
  wallet?: WalletTokenVerifier;
  /** Tokens are checked at this clock's time (GatewayOptions.clock); default the verifiers' system clock. */
  clock?: Clock;
}

export class RequestAuthenticator {
  private readonly verifier: TokenVerifier;
  private readonly revocations: RevocationCheck | undefined;
  private readonly wallet: WalletTokenVerifier | undefined;
  private readonly clock: Clock | undefined;
  private readonly npubs = new Map<string, string>();
  // Verified tokens come from bounded caches as the same frozen objects: build each identity once.
  private readonly identities = new WeakMap<VerifiedToken | VerifiedWalletToken, PortalIdentity>();

  constructor(options: RequestAuthenticatorOptions) {
    this.verifier = options.verifier;
    this.revocations = options.revocations;
    this.wallet = options.wallet;
    this.clock = options.clock;
  }

  /**
   * Flow A, then flow B: a token no trusted issuer signed is tried as a wallet-issued token. Returns
   * the identity itself when a cache or a synchronous check decides, and a promise when a signature is
   * checked on the verify pool or a wallet token's signer must be looked up.
   */
  authenticateAny(token: string, now = this.clock && nowSeconds(this.clock)): PortalIdentity | Promise<PortalIdentity> {
    // A cached wallet token already failed flow A, and the trusted issuers never change while the
    // gateway runs: skip the signature checks it would fail again.
    if (this.wallet && !this.verifier.isCached(token)) {
      const cached = this.wallet.cached(token, now);
      if (cached) return this.walletIdentity(cached);
    }
    let verified: VerifiedToken | Promise<VerifiedToken>;
    try {
      verified = this.verifier.verifyPooled(token, now);
    } catch (error) {
      return this.asWalletToken(token, now, error);
    }
    if (verified instanceof Promise) {
      return verified.then(
        (found) => this.serviceIdentity(found),
        (error: unknown) => this.asWalletToken(token, now, error),
      );
    }
    return this.serviceIdentity(verified);
  }

  /** After flow A failed with `flowAError`: rethrows it unless the token is a wallet token for this gateway. */
  private asWalletToken(token: string, now: number | undefined, flowAError: unknown): Promise<PortalIdentity> {
    if (!this.wallet || !(flowAError instanceof JwtSignatureInvalid)) throw flowAError;
    return this.authenticateWallet(this.wallet, token, now, flowAError);
  }

  private serviceIdentity(verified: VerifiedToken): PortalIdentity {
    if (this.revocations?.isRevoked(verified.claims)) throw new TokenRevoked();
    let identity = this.identities.get(verified);
    if (identity === undefined) {
      const { claims, issuer } = verified;
      const sessionId = this.sessionIdOf(verified);
      identity = Object.freeze({
        targetKey: claims.target_key,
        npub: this.npubOf(claims.target_key),
        flow: sessionId === undefined ? 'service' : 'login',
        ...(sessionId === undefined ? {} : { sessionId }),
        issuer,
        permissions: Object.freeze([...(claims.permissions ?? [])]),
        jti: typeof claims.jti === 'string' ? claims.jti : undefined,
        claims,
      });
      this.identities.set(verified, identity);
    }
    return identity;
  }

  /**
   * The session of an access token issued for a wallet sign-in: the service key (the verifier's first
   * issuer) signs those with a `sid` claim. A trusted issuer's `sid` names none of this gateway's sessions.
   */
  private sessionIdOf({ claims, issuer }: VerifiedToken): string | undefined {
    return issuer === this.verifier.issuers[0] && typeof claims.sid === 'string' && claims.sid !== ''
      ? claims.sid
      : undefined;
  }

  private async authenticateWallet(
    wallet: WalletTokenVerifier,
    token: string,
    now: number | undefined,
    flowAError: JwtSignatureInvalid,
  ) {
    const verified = await wallet.verify(token, now);
    // Not presented as a wallet token for this gateway: the flow-A reason is the one to report.
    if (!verified) throw flowAError;
    return this.walletIdentity(verified);
  }

  private walletIdentity(verified: VerifiedWalletToken): PortalIdentity {
    const { claims, signer } = verified;
    if (this.revocations?.isRevoked(claims, signer)) throw new TokenRevoked();
    let identity = this.identities.get(verified);
    if (identity === undefined) {
      identity = Object.freeze({
        targetKey: signer,
        npub: this.npubOf(signer),
        flow: 'wallet',
        issuer: signer,
        // The user signed these claims themselves: a `permissions` claim would be self-granted.
        permissions: Object.freeze([]),
        jti: typeof claims.jti === 'string' ? claims.jti : undefined,
        claims,
      });
      this.identities.set(verified, identity);
    }
    return identity;
  }

  // bech32 encoding is not free and the same users call again and again.
  private npubOf(key: string): string {
    let npub = this.npubs.get(key);
    if (npub === undefined) {
      if (this.npubs.size >= 100_000) this.npubs.clear();
      npub = npubEncode(key);
      this.npubs.set(key, npub);
    }
    return npub;
  }
}
