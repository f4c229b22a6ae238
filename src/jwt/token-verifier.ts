/**
 * A verifier for several trusted issuer keys with a bounded verified-token cache.
 * The cache keeps the time-independent result (signature + claims) keyed by the token text;
 * `exp`/`nbf` are re-checked on every hit, so a cached token still expires on time. Keying by text
 * is safe for a cache (a high-S twin only costs one more verification); never use it for
 * revocation or replay detection.
 */
import { LRUCache } from 'lru-cache';
import { JwtSignatureInvalid } from '../errors.js';
import { checkClaimTimes, validateClaims, type PortalClaims } from './claims.js';
import { defaultBackend, type Es256kBackend, type LiftedKey } from './es256k.js';
import { MAX_TOKEN_LENGTH, parseJws, parsePayload } from './jws.js';
import { parsePublicKey } from './keys.js';
import { checkSignature } from './verify.js';

export interface TokenVerifierOptions {
  /** Trusted issuer keys (64 hex or npub); the first is normally the gateway's own key. */
  issuers: readonly string[];
  /** Verified tokens kept in memory; 0 disables the cache. Default 10,000. */
  cacheSize?: number;
  /** Default 60 s. */
  clockToleranceSec?: number;
  backend?: Es256kBackend;
  /** Called with the duration of each verification the cache could not answer (metrics). */
  onVerified?: (seconds: number) => void;
}

export interface VerifiedToken {
  claims: PortalClaims;
  /** x-only hex key of the issuer whose signature verified. */
  issuer: string;
}

export interface CacheStats {
  hits: number;
  misses: number;
  size: number;
}

export class TokenVerifier {
  readonly issuers: readonly string[];
  private readonly keys: readonly LiftedKey[];
  private readonly cache: LRUCache<string, VerifiedToken> | undefined;
  private readonly clockToleranceSec: number | undefined;
  private readonly backend: Es256kBackend;
  private readonly onVerified: ((seconds: number) => void) | undefined;
  private hits = 0;
  private misses = 0;

  constructor(options: TokenVerifierOptions) {
    this.keys = options.issuers.map((issuer, i) => parsePublicKey(issuer, `trusted issuer ${i}`));
    this.issuers = this.keys.map((key) => key.xOnlyHex);
    const cacheSize = options.cacheSize ?? 10_000;
    this.cache = cacheSize > 0 ? new LRUCache({ max: cacheSize }) : undefined;
    this.clockToleranceSec = options.clockToleranceSec;
    this.backend = options.backend ?? defaultBackend;
    this.onVerified = options.onVerified;
  }

  /** Verify against every trusted issuer; throws a JwtError (signature errors only if no key fits). */
  verify(token: string, now?: number): VerifiedToken {
    // Oversized input goes straight to the checks that reject it, without being hashed for a lookup.
    let verified = typeof token === 'string' && token.length <= MAX_TOKEN_LENGTH ? this.cache?.get(token) : undefined;
    if (verified) this.hits++;
    else {
      this.misses++;
      const started = performance.now();
      try {
        verified = this.verifyUncached(token);
      } finally {
        this.onVerified?.((performance.now() - started) / 1000);
      }
      this.cache?.set(token, verified);
    }
    checkClaimTimes(verified.claims, { now, clockToleranceSec: this.clockToleranceSec });
    return verified;
  }

  /** True when `token` is in the verified-token cache (its times are not checked here). */
  isCached(token: string): boolean {
    return this.cache?.has(token) ?? false;
  }

  stats(): CacheStats {
    return { hits: this.hits, misses: this.misses, size: this.cache?.size ?? 0 };
  }

  private verifyUncached(token: string): VerifiedToken {
    const jws = parseJws(token);
    let lastError: JwtSignatureInvalid | undefined;
    for (const key of this.keys) {
      try {
        checkSignature(jws, key, this.backend);
        // Frozen: the same object is handed to every caller that presents this token.
        return Object.freeze({ claims: deepFreeze(validateClaims(parsePayload(jws))), issuer: key.xOnlyHex });
      } catch (error) {
        if (!(error instanceof JwtSignatureInvalid)) throw error;
        lastError = error;
      }
    }
    throw lastError ?? new JwtSignatureInvalid('no trusted issuer keys are configured');
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
