/**
 * Wallet-issued tokens (flow B): a user's wallet signs a Portal JWT with the user's own key and names
 * the gateway in `target_key`. The token does not say who signed it, so the signer is recovered from
 * the signature and accepted only when it is a known user; then the strict profile's claim and time
 * rules apply as for any token. Asynchronous only because "known user" may be a store lookup.
 */
import { LRUCache } from 'lru-cache';
import { JwtSignatureInvalid } from '../errors.js';
import { checkClaimTimes, validateClaims, type PortalClaims } from './claims.js';
import { defaultBackend, type Es256kBackend } from '../keys/es256k.js';
import { parseJws } from './jws.js';
import { normalizePublicKey } from '../keys/nostr-keys.js';
import { recoverSigners } from './recover.js';
import { parseStrictJsonObject } from '../encoding/strict-json.js';

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
  private readonly isKnownUser: (userKey: string) => Promise<boolean>;
  // Keyed by the token text like the flow-A cache: a high-S twin only costs one more recovery.
  private readonly cache: LRUCache<string, VerifiedWalletToken> | undefined;
  private readonly clockToleranceSec: number | undefined;
  private readonly backend: Es256kBackend;

  constructor(options: WalletTokenVerifierOptions) {
    this.serviceKey = normalizePublicKey(options.serviceKey, 'service public key');
    this.isKnownUser = options.isKnownUser;
    const cacheSize = options.cacheSize ?? 10_000;
    this.cache = cacheSize > 0 ? new LRUCache({ max: cacheSize }) : undefined;
    this.clockToleranceSec = options.clockToleranceSec;
    this.backend = options.backend ?? defaultBackend;
  }

  /**
   * A token accepted before, re-checked against the clock (throws JwtExpired / JwtNotYetValid);
   * undefined when it is not in the cache. Synchronous, so callers can skip other checks cheaply.
   */
  cached(token: string, now?: number): VerifiedWalletToken | undefined {
    const hit = this.cache?.get(token);
    if (hit) this.checkTimes(hit, now);
    return hit;
  }

  /**
   * Verify `token` as a wallet token. Resolves to undefined when it does not present itself as one
   * (its payload does not name the service key, or its signature recovers to no even-y key), so the
   * caller can report its own reason; rejects with a typed JwtError when it does but fails.
   */
  async verify(token: string, now?: number): Promise<VerifiedWalletToken | undefined> {
    const hit = this.cached(token, now);
    if (hit) return hit;
    const jws = parseJws(token);
    // Looking at the payload before the signature is checked only decides whether recovery is worth
    // running; nothing from it is trusted until a known signer is found.
    const payload = parseStrictJsonObject(jws.payloadBytes);
    if ('problem' in payload || payload.value.target_key !== this.serviceKey) return undefined;
    const candidates = recoverSigners(jws, this.backend);
    if (candidates.length === 0) return undefined;
    const answers = await Promise.all(candidates.map((key) => this.isKnownUser(key.xOnlyHex)));
    const known = candidates.filter((_, i) => answers[i]).map((key) => key.xOnlyHex);
    if (known.length === 0) {
      throw new JwtSignatureInvalid(
        'token is addressed to this gateway but its signer is not a known user (sign in with the wallet once, or list the key in walletUsers)',
      );
    }
    // Both candidates verify the signature, so a token that recovers to two known users cannot tell
    // who signed it. Unreachable without forging a signature for one of them, but never guess.
    if (known.length > 1)
      throw new JwtSignatureInvalid('token signature recovers to more than one known user; its signer is ambiguous');
    const verified: VerifiedWalletToken = { claims: validateClaims(payload.value), signer: known[0]! };
    this.cache?.set(token, verified);
    this.checkTimes(verified, now);
    return verified;
  }

  private checkTimes(verified: VerifiedWalletToken, now: number | undefined): void {
    checkClaimTimes(verified.claims, { now, clockToleranceSec: this.clockToleranceSec });
  }
}
