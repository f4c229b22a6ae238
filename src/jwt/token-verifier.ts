/**
 * The one token verifier. A token is parsed once, then the credential resolvers are tried in order: the
 * trusted issuers (flow A: the service key and any other trusted key), then, when configured, the known
 * wallet signers (flow B). The first that vouches for the token gives its frozen identity, which is cached
 * in one bounded LRU keyed by the token text; `exp`/`nbf` are re-checked on every hit, so a cached token
 * still expires on time. Keying by text is safe for a cache (a high-S twin only costs one more
 * verification); never use it for revocation or replay detection.
 *
 * A cache hit, and a miss decided on this thread, answer synchronously; a signature checked on the verify
 * pool's worker threads or a wallet signer looked up in the store answers with a promise.
 */
import { LRUCache } from 'lru-cache';
import { InvalidArgument, JwtSignatureInvalid } from '../errors.js';
import { checkTimesAt, DEFAULT_CLOCK_TOLERANCE_SEC } from './claims.js';
import { KnownKeys } from './known-keys.js';
import { defaultBackend, type Es256kBackend } from '../keys/es256k.js';
import { nowSeconds, systemClock, type Clock } from '../keys/clock.js';
import { MAX_TOKEN_LENGTH, parseJws } from './jws.js';
import { normalizePublicKey, parsePublicKey } from '../keys/nostr-keys.js';
import { parseStrictJsonObject } from '../encoding/strict-json.js';
import type { PortalIdentity } from './identity.js';
import type { ServiceIdentity } from './service-identity.js';
import type { CredentialResolver, PresentedToken, Resolution } from './credential-resolver.js';
import { TrustedIssuers } from './trusted-issuers.js';
import { WalletSigners } from './wallet-signers.js';
import { VerifyPool } from './verify-pool.js';

export interface TokenVerifierOptions {
  /**
   * Trusted issuer keys (64 hex or npub). Without `service`, the first is normally the gateway's own key:
   * its tokens with a `sid` claim are sign-in sessions.
   */
  issuers: readonly string[];
  /** The gateway's own identity (createGateway's): its key is the first trusted issuer, taken as it is. */
  service?: Pick<ServiceIdentity, 'publicKey' | 'key'>;
  /**
   * Also accept wallet-issued tokens (flow B): signed by a known user, naming the service key in
   * `target_key` (`serviceKey`, hex or npub, or else `service`'s). Tried after the trusted issuers.
   */
  wallet?: { serviceKey?: string; isKnownUser(userKey: string): Promise<boolean> };
  /** Verified tokens kept in memory; 0 disables the cache. Default 10,000. */
  cacheSize?: number;
  /** Default 60 s. */
  clockToleranceSec?: number;
  /** Tokens are checked at this clock's time when no time is given. Default the system clock. */
  clock?: Clock;
  backend?: Es256kBackend;
  /** Worker threads the verifier starts for signature checks (when the native backend is in use); `close()` ends them. */
  threads?: number;
  /** A verify pool of the caller's instead of `threads` (the caller closes it). */
  pool?: VerifyPool;
  /**
   * Share of the time that signature checks on the event loop may take (elapsed time) before misses go to
   * the verify pool; default 0.1. Handing a check to a thread costs the loop about as much CPU as the check itself,
   * so while misses are few they are checked inline; a burst goes to the pool. 0: always the pool.
   */
  inlineShare?: number;
  /** Called with the duration of each verification the cache could not answer (metrics). */
  onVerified?: (seconds: number) => void;
}

/** The verified identity of a token: its claims, who signed it, and what the access layer reads. Frozen. */
export type VerifiedToken = PortalIdentity;

export interface CacheStats {
  hits: number;
  misses: number;
  size: number;
}

const DEFAULT_INLINE_SHARE = 0.1;
/** Inline checking the loop may do at once after a quiet spell (about 150 signatures). */
const INLINE_BURST_MS = 10;

/**
 * The refusal of a token no resolver recognised when there is no flow-A reason to report (no trusted
 * issuer keys are configured): its own class, so that a caller can tell it from a failed check.
 */
export class UnrecognisedToken extends JwtSignatureInvalid {
  constructor() {
    super('no trusted issuer keys are configured');
  }
}

export class TokenVerifier {
  /** x-only hex of the trusted issuers, in order. */
  readonly issuers: readonly string[];
  private readonly resolvers: readonly CredentialResolver[];
  private readonly cache: LRUCache<string, VerifiedToken> | undefined;
  private readonly tolerance: number;
  private readonly clock: Clock;
  private readonly pool: VerifyPool | undefined;
  private readonly ownsPool: boolean;
  private readonly onVerified: ((seconds: number) => void) | undefined;
  private readonly inlineShare: number;
  /** Milliseconds of inline checking the loop may still spend (a token bucket refilled at `inlineShare`). */
  private inlineBudgetMs: number;
  private inlineBudgetAt = performance.now();
  /** Tokens whose verification is under way asynchronously: presented again meanwhile, they wait for the same answer. */
  private readonly inFlight = new Map<string, Promise<VerifiedToken>>();
  private hits = 0;
  private misses = 0;

  constructor(options: TokenVerifierOptions) {
    const { service } = options;
    const trusted = options.issuers.map((issuer, i) => parsePublicKey(issuer, `trusted issuer ${i}`));
    const keys = service ? [service.key, ...trusted.filter((key) => key.xOnlyHex !== service.publicKey)] : trusted;
    this.issuers = keys.map((key) => key.xOnlyHex);
    const backend = options.backend ?? defaultBackend;
    const known = new KnownKeys();
    const resolvers: CredentialResolver[] = [];
    if (keys.length > 0) resolvers.push(new TrustedIssuers(keys, backend, known));
    if (options.wallet) {
      const { serviceKey, isKnownUser } = options.wallet;
      const target =
        serviceKey === undefined ? service?.publicKey : normalizePublicKey(serviceKey, 'service public key');
      if (target === undefined)
        throw new InvalidArgument('wallet tokens need the service key: wallet.serviceKey or service');
      resolvers.push(new WalletSigners({ serviceKey: target, isKnownUser }, backend, known));
    }
    this.resolvers = resolvers;
    const cacheSize = options.cacheSize ?? 10_000;
    this.cache = cacheSize > 0 ? new LRUCache({ max: cacheSize }) : undefined;
    this.tolerance = options.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC;
    this.clock = options.clock ?? systemClock;
    // Without the native binding there is nothing to run on the threads: verification stays inline.
    const threads = options.threads ?? 0;
    this.ownsPool = !options.pool && threads > 0 && VerifyPool.supported;
    this.pool = options.pool ?? (this.ownsPool ? new VerifyPool({ threads }) : undefined);
    this.onVerified = options.onVerified;
    this.inlineShare = options.inlineShare ?? DEFAULT_INLINE_SHARE;
    this.inlineBudgetMs = this.inlineShare > 0 ? INLINE_BURST_MS : 0;
  }

  /**
   * Verify on this thread; throws a JwtError (a signature error only when no resolver recognises the
   * token: the trusted issuers' reason when there are any). For a verifier with wallet signers, whose
   * lookup is asynchronous, use `verifyPooled`.
   */
  verify(token: string, now = nowSeconds(this.clock)): VerifiedToken {
    const hit = this.lookup(token);
    if (hit !== undefined) return this.inTime(hit, now);
    const verified = this.resolve(token, undefined);
    if (verified instanceof Promise) {
      verified.catch(() => undefined);
      throw new TypeError('this token needs an asynchronous check (a wallet signer lookup): use verifyPooled');
    }
    return this.inTime(verified, now);
  }

  /**
   * `verify`, with signatures the cache does not hold checked on the verify pool (when there is one and it
   * is not saturated) and wallet signers looked up. A cache hit or a check decided here answers
   * synchronously; otherwise the promise resolves or rejects.
   */
  verifyPooled(token: string, now = nowSeconds(this.clock)): VerifiedToken | Promise<VerifiedToken> {
    const hit = this.lookup(token);
    if (hit !== undefined) return this.inTime(hit, now);
    // Looked for only while something is pending.
    const pending = this.inFlight.size > 0 && hashable(token) ? this.inFlight.get(token) : undefined;
    const verified = pending ?? this.resolve(token, this.poolForMiss());
    return verified instanceof Promise ? verified.then((found) => this.inTime(found, now)) : this.inTime(verified, now);
  }

  /** A token verified before, its times re-checked (throws JwtExpired / JwtNotYetValid); undefined when not cached. */
  cached(token: string, now = nowSeconds(this.clock)): VerifiedToken | undefined {
    const hit = this.cachedValue(token);
    return hit && this.inTime(hit, now);
  }

  stats(): CacheStats {
    return { hits: this.hits, misses: this.misses, size: this.cache?.size ?? 0 };
  }

  /** Ends the worker threads the verifier started (`threads`); a pool passed in is the caller's to close. */
  async close(): Promise<void> {
    if (this.ownsPool) await this.pool?.close();
  }

  /** The pool when a miss should go there: it is not saturated and the loop has spent its inline share. */
  private poolForMiss(): VerifyPool | undefined {
    const pool = this.pool;
    if (pool === undefined || pool.saturated) return undefined;
    const now = performance.now();
    this.inlineBudgetMs = Math.min(
      INLINE_BURST_MS,
      this.inlineBudgetMs + (now - this.inlineBudgetAt) * this.inlineShare,
    );
    this.inlineBudgetAt = now;
    return this.inlineBudgetMs > 0 ? undefined : pool;
  }

  private cachedValue(token: string): VerifiedToken | undefined {
    return hashable(token) ? this.cache?.get(token) : undefined;
  }

  private lookup(token: string): VerifiedToken | undefined {
    const verified = this.cachedValue(token);
    if (verified) this.hits++;
    else this.misses++;
    return verified;
  }

  private inTime(verified: VerifiedToken, now: number): VerifiedToken {
    checkTimesAt(verified.claims, now, this.tolerance);
    return verified;
  }

  /** A miss: parse once, then the resolvers in order; the identity is cached once found. */
  private resolve(token: string, pool: VerifyPool | undefined): VerifiedToken | Promise<VerifiedToken> {
    const started = performance.now();
    let found: VerifiedToken | Promise<VerifiedToken>;
    try {
      const jws = parseJws(token);
      found = this.resolveFrom(0, { jws, payload: parseStrictJsonObject(jws.payloadBytes) }, pool, undefined);
    } catch (error) {
      this.observe(started);
      throw error;
    } finally {
      // The time this miss held the loop counts against its inline share. Elapsed, not CPU, time: the
      // process's CPU clock also counts the pool's threads, and reading it is a system call per miss.
      if (pool === undefined && this.pool !== undefined) this.inlineBudgetMs -= performance.now() - started;
    }
    if (!(found instanceof Promise)) {
      this.observe(started);
      return this.remember(token, found);
    }
    const settled = found.then(
      (verified) => {
        this.inFlight.delete(token);
        this.observe(started);
        return this.remember(token, verified);
      },
      (error: unknown) => {
        this.inFlight.delete(token);
        this.observe(started);
        throw error;
      },
    );
    this.inFlight.set(token, settled);
    return settled;
  }

  /** Resolvers from `index` on; `reason`: the first signature error of those that did not recognise the token. */
  private resolveFrom(
    index: number,
    token: PresentedToken,
    pool: VerifyPool | undefined,
    reason: JwtSignatureInvalid | undefined,
  ): VerifiedToken | Promise<VerifiedToken> {
    for (let i = index; i < this.resolvers.length; i++) {
      const resolution = this.resolvers[i]!.resolve(token, pool);
      if (resolution instanceof Promise) {
        return resolution.then((settled) => this.afterResolver(settled, i, token, pool, reason));
      }
      if (!isDeclined(resolution)) return resolution;
      reason ??= resolution;
    }
    throw reason ?? new UnrecognisedToken();
  }

  private afterResolver(
    resolution: Resolution,
    index: number,
    token: PresentedToken,
    pool: VerifyPool | undefined,
    reason: JwtSignatureInvalid | undefined,
  ): VerifiedToken | Promise<VerifiedToken> {
    if (!isDeclined(resolution)) return resolution;
    return this.resolveFrom(index + 1, token, pool, reason ?? resolution);
  }

  private remember(token: string, verified: VerifiedToken): VerifiedToken {
    this.cache?.set(token, verified);
    return verified;
  }

  private observe(started: number): void {
    this.onVerified?.((performance.now() - started) / 1000);
  }
}

/** The resolver did not recognise the token (with or without a reason): the next one is tried. */
function isDeclined(resolution: Resolution): resolution is JwtSignatureInvalid | undefined {
  return resolution === undefined || resolution instanceof JwtSignatureInvalid;
}

/** Oversized input goes straight to the parse that rejects it, never hashed for a lookup. */
function hashable(token: string): boolean {
  return typeof token === 'string' && token.length <= MAX_TOKEN_LENGTH;
}
