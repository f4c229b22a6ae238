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
import { defaultBackend, uncompressedKey, type Es256kBackend, type LiftedKey } from '../keys/es256k.js';
import { MAX_TOKEN_LENGTH, parseJws, parsePayload, type ParsedJws } from './jws.js';
import { parsePublicKey } from '../keys/nostr-keys.js';
import { checkSignature, checkSignatureShape, SIGNATURE_MISMATCH } from './verify.js';
import type { VerifyPool } from './verify-pool.js';

export interface TokenVerifierOptions {
  /** Trusted issuer keys (64 hex or npub); the first is normally the gateway's own key. */
  issuers: readonly string[];
  /** Verified tokens kept in memory; 0 disables the cache. Default 10,000. */
  cacheSize?: number;
  /** Default 60 s. */
  clockToleranceSec?: number;
  backend?: Es256kBackend;
  /** Worker threads for `verifyPooled`; without one it verifies on the calling thread. */
  pool?: VerifyPool;
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
  private readonly pool: VerifyPool | undefined;
  private readonly onVerified: ((seconds: number) => void) | undefined;
  /** Tokens on the verify pool now: a token presented again meanwhile waits for the same answer. */
  private readonly inFlight = new Map<string, Promise<VerifiedToken>>();
  private hits = 0;
  private misses = 0;

  constructor(options: TokenVerifierOptions) {
    this.keys = options.issuers.map((issuer, i) => parsePublicKey(issuer, `trusted issuer ${i}`));
    this.issuers = this.keys.map((key) => key.xOnlyHex);
    const cacheSize = options.cacheSize ?? 10_000;
    this.cache = cacheSize > 0 ? new LRUCache({ max: cacheSize }) : undefined;
    this.clockToleranceSec = options.clockToleranceSec;
    this.backend = options.backend ?? defaultBackend;
    this.pool = options.pool;
    this.onVerified = options.onVerified;
  }

  /** Verify against every trusted issuer; throws a JwtError (signature errors only if no key fits). */
  verify(token: string, now?: number): VerifiedToken {
    return this.inTime(this.lookup(token) ?? this.verifyHere(token), now);
  }

  /**
   * `verify`, with a token the cache does not hold checked on the verify pool (when there is one and
   * it is not saturated). A cache hit or a malformed token still answers synchronously; a pooled
   * verification resolves or rejects the promise.
   */
  verifyPooled(token: string, now?: number): VerifiedToken | Promise<VerifiedToken> {
    const cached = this.lookup(token);
    if (cached) return this.inTime(cached, now);
    const pool = this.pool;
    if (!pool || pool.saturated) return this.inTime(this.verifyHere(token), now);
    let pending = this.inFlight.get(token);
    if (!pending) {
      pending = this.verifyOnPool(token, pool);
      this.inFlight.set(token, pending);
    }
    return pending.then((verified) => this.inTime(verified, now));
  }

  /** True when `token` is in the verified-token cache (its times are not checked here). */
  isCached(token: string): boolean {
    return this.cache?.has(token) ?? false;
  }

  stats(): CacheStats {
    return { hits: this.hits, misses: this.misses, size: this.cache?.size ?? 0 };
  }

  private lookup(token: string): VerifiedToken | undefined {
    // Oversized input goes straight to the checks that reject it, without being hashed for a lookup.
    const verified = typeof token === 'string' && token.length <= MAX_TOKEN_LENGTH ? this.cache?.get(token) : undefined;
    if (verified) this.hits++;
    else this.misses++;
    return verified;
  }

  /** `exp`/`nbf` are checked on every use, so a cached token still expires on time. */
  private inTime(verified: VerifiedToken, now: number | undefined): VerifiedToken {
    checkClaimTimes(verified.claims, { now, clockToleranceSec: this.clockToleranceSec });
    return verified;
  }

  private verifyHere(token: string): VerifiedToken {
    const started = performance.now();
    try {
      const jws = parseJws(token);
      let lastError: JwtSignatureInvalid | undefined;
      for (const key of this.keys) {
        try {
          checkSignature(jws, key, this.backend);
          return this.remember(token, jws, key);
        } catch (error) {
          if (!(error instanceof JwtSignatureInvalid)) throw error;
          lastError = error;
        }
      }
      throw lastError ?? noIssuers();
    } finally {
      this.onVerified?.((performance.now() - started) / 1000);
    }
  }

  /** The same checks as `verifyHere`, with the ECDSA on a worker thread; structural errors still throw here. */
  private verifyOnPool(token: string, pool: VerifyPool): Promise<VerifiedToken> {
    const jws = parseJws(token);
    checkSignatureShape(jws.signature);
    const started = performance.now();
    const settled = () => {
      this.inFlight.delete(token);
      this.onVerified?.((performance.now() - started) / 1000);
    };
    return this.signerOf(jws, pool, 0).then(
      (key) => {
        settled();
        return this.remember(token, jws, key);
      },
      (error: unknown) => {
        settled();
        throw error;
      },
    );
  }

  /** The first trusted key, from `index` on, whose signature this is (one key at a time: usually the first). */
  private signerOf(jws: ParsedJws, pool: VerifyPool, index: number): Promise<LiftedKey> {
    const key = this.keys[index];
    if (key === undefined) return Promise.reject(index > 0 ? new JwtSignatureInvalid(SIGNATURE_MISMATCH) : noIssuers());
    return pool
      .verify(jws.signingInput, jws.signature, uncompressedKey(key))
      .then((valid) => (valid ? key : this.signerOf(jws, pool, index + 1)));
  }

  /** Claims checked (step 8-9), the result frozen and cached: the same object goes to every caller of this token. */
  private remember(token: string, jws: ParsedJws, key: LiftedKey): VerifiedToken {
    const verified = Object.freeze({ claims: deepFreeze(validateClaims(parsePayload(jws))), issuer: key.xOnlyHex });
    this.cache?.set(token, verified);
    return verified;
  }
}

function noIssuers(): JwtSignatureInvalid {
  return new JwtSignatureInvalid('no trusted issuer keys are configured');
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
