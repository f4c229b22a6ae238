/**
 * Wallet-issued tokens alone (flow B), for library users who verify them apart from other tokens: the
 * token verifier with the wallet signers as its only resolver, answering in the shape this class always
 * had. The gateway itself uses one TokenVerifier for both flows.
 */
import type { PortalClaims } from './claims.js';
import type { Es256kBackend } from '../keys/es256k.js';
import { normalizePublicKey } from '../keys/nostr-keys.js';
import { TokenVerifier, UnrecognisedToken, type VerifiedToken } from './token-verifier.js';

export interface WalletTokenVerifierOptions {
  /** The gateway's own public key (hex or npub): a wallet token must name it in `target_key`. */
  serviceKey: string;
  /** Does this x-only key (64 lower-case hex) belong to a user whose wallet tokens are accepted? */
  isKnownUser(userKey: string): Promise<boolean>;
  /** Accepted tokens kept in memory; 0 disables the cache. Default 10,000. */
  cacheSize?: number;
  /** Default 60 s. */
  clockToleranceSec?: number;
  backend?: Es256kBackend;
}

export interface VerifiedWalletToken {
  claims: PortalClaims;
  /** The recovered signer, i.e. the user: x-only key, 64 lower-case hex. */
  signer: string;
}

export class WalletTokenVerifier {
  /** x-only hex of the service key. */
  readonly serviceKey: string;
  private readonly verifier: TokenVerifier;

  constructor({ serviceKey, isKnownUser, ...options }: WalletTokenVerifierOptions) {
    this.serviceKey = normalizePublicKey(serviceKey, 'service public key');
    this.verifier = new TokenVerifier({
      ...options,
      issuers: [],
      wallet: { serviceKey: this.serviceKey, isKnownUser },
    });
  }

  /** A token accepted before, re-checked against the clock (throws JwtExpired / JwtNotYetValid); else undefined. */
  cached(token: string, now?: number): VerifiedWalletToken | undefined {
    const hit = this.verifier.cached(token, now);
    return hit && walletToken(hit);
  }

  /**
   * Resolves to undefined when `token` does not present itself as a wallet token (its payload does not name
   * the service key, or its signature recovers to no even-y key); rejects with a typed JwtError when it does
   * but fails.
   */
  async verify(token: string, now?: number): Promise<VerifiedWalletToken | undefined> {
    try {
      return walletToken(await this.verifier.verifyPooled(token, now));
    } catch (error) {
      // With no trusted issuers, this is the refusal of a token the wallet signers did not recognise.
      if (error instanceof UnrecognisedToken) return undefined;
      throw error;
    }
  }
}

function walletToken({ claims, issuer }: VerifiedToken): VerifiedWalletToken {
  return { claims, signer: issuer };
}
