/**
 * The one TokenVerifier across credential kinds: the token parsed once, the resolvers tried in order
 * (trusted issuers, then wallet signers), one LRU of frozen identities for both flows, hits answered
 * synchronously and re-checked on the injected clock, oversized input never hashed, and the verify pool
 * inside the verifier.
 */
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { LRUCache } from 'lru-cache';
import { TokenVerifier, type TokenVerifierOptions } from '../../src/jwt/token-verifier.js';
import { VerifyPool } from '../../src/jwt/verify-pool.js';
import { createServiceIdentity } from '../../src/jwt/service-identity.js';
import {
  InvalidArgument,
  JwtExpired,
  JwtMalformed,
  JwtNotYetValid,
  generateKeyPair,
  issueJwt,
  parseSecretKey,
  recoverJwtSigners,
} from '../../src/index.js';

// Counts the strict JSON parses, to see how often a token's payload is read.
const parses = vi.hoisted(() => ({ count: 0 }));
vi.mock('../../src/encoding/strict-json.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/encoding/strict-json.js')>();
  return {
    ...original,
    parseStrictJsonObject: (bytes: Uint8Array) => {
      parses.count++;
      return original.parseStrictJsonObject(bytes);
    },
  };
});

const NOW = 1_750_000_000;
const service = generateKeyPair();
const user = generateKeyPair();
const pool = new VerifyPool({ threads: 1 });
afterAll(() => pool.close());
afterEach(() => vi.restoreAllMocks());

function gatewayVerifier(options: Partial<TokenVerifierOptions> = {}) {
  const asked: string[] = [];
  const verifier = new TokenVerifier({
    issuers: [service.publicKey],
    wallet: {
      serviceKey: service.publicKey,
      isKnownUser: async (key) => {
        asked.push(key);
        return key === user.publicKey;
      },
    },
    ...options,
  });
  return { verifier, asked };
}

const serviceToken = (now = NOW) =>
  issueJwt(service.secretKey, user.publicKey, 1, { now, extraClaims: { permissions: ['read'] } });
const walletToken = (now = NOW) => issueJwt(user.secretKey, service.publicKey, 1, { now });

describe('TokenVerifier: one verifier for every credential', () => {
  it('tries the trusted issuers first: a token the service key signed for itself is flow A, and no wallet user is asked', () => {
    const { verifier, asked } = gatewayVerifier();
    const selfAddressed = issueJwt(service.secretKey, service.publicKey, 1, { now: NOW });
    expect(verifier.verifyPooled(selfAddressed, NOW)).toMatchObject({ flow: 'service', issuer: service.publicKey });
    expect(asked).toEqual([]);
  });

  it('keeps both flows in one cache, and answers its hits synchronously with the same frozen identity', async () => {
    const { verifier, asked } = gatewayVerifier();
    const flowA = verifier.verifyPooled(serviceToken(), NOW);
    const pending = verifier.verifyPooled(walletToken(), NOW);
    expect(pending).toBeInstanceOf(Promise);
    const flowB = await pending;
    expect(verifier.stats()).toEqual({ hits: 0, misses: 2, size: 2 });
    expect(verifier.verifyPooled(serviceToken(), NOW)).toBe(flowA);
    expect(verifier.verifyPooled(walletToken(), NOW)).toBe(flowB);
    expect(verifier.stats()).toEqual({ hits: 2, misses: 2, size: 2 });
    expect(asked).toEqual(recoverJwtSigners(walletToken())); // each candidate signer once, on the miss
    // One LRU: with room for one token, each flow's token evicts the other's.
    const small = gatewayVerifier({ cacheSize: 1 }).verifier;
    small.verifyPooled(serviceToken(), NOW);
    await small.verifyPooled(walletToken(), NOW);
    expect(small.verifyPooled(serviceToken(), NOW)).not.toBeInstanceOf(Promise);
    expect(small.stats()).toEqual({ hits: 0, misses: 3, size: 1 });
  });

  it('caches the identity the access layer needs, frozen to the claims, for both flows', async () => {
    const { verifier } = gatewayVerifier();
    const flowA = verifier.verify(serviceToken(), NOW);
    const flowB = await verifier.verifyPooled(walletToken(), NOW);
    expect(flowA).toMatchObject({ targetKey: user.publicKey, npub: user.npub, flow: 'service', permissions: ['read'] });
    expect(flowB).toMatchObject({ targetKey: user.publicKey, npub: user.npub, flow: 'wallet', permissions: [] });
    for (const identity of [flowA, flowB] as const) {
      expect(Object.isFrozen(identity)).toBe(true);
      expect(Object.isFrozen(identity.claims)).toBe(true);
      expect(Object.isFrozen(identity.permissions)).toBe(true);
      expect(() => Object.assign(identity.claims, { exp: NOW + 99_999 })).toThrow(TypeError);
    }
  });

  it('re-checks exp and nbf on every hit, on the clock it was given', async () => {
    let now = NOW;
    const { verifier } = gatewayVerifier({ clock: () => now, clockToleranceSec: 0 });
    const early = issueJwt(service.secretKey, user.publicKey, 1, { now: NOW + 600 });
    expect(() => verifier.verifyPooled(early)).toThrow(JwtNotYetValid);
    await verifier.verifyPooled(walletToken());
    verifier.verifyPooled(serviceToken());
    now = NOW + 600;
    expect(verifier.verifyPooled(early)).toMatchObject({ flow: 'service' });
    now = NOW + 3600;
    expect(() => verifier.verifyPooled(serviceToken())).toThrow(JwtExpired);
    expect(() => verifier.verifyPooled(walletToken())).toThrow(JwtExpired);
    expect(verifier.stats()).toEqual({ hits: 3, misses: 3, size: 3 });
  });

  it('reads the payload of a token once on a miss, a wallet token too, and not at all on a hit', async () => {
    const { verifier } = gatewayVerifier();
    parses.count = 0;
    verifier.verifyPooled(serviceToken(), NOW);
    expect(parses.count).toBe(1);
    await verifier.verifyPooled(walletToken(), NOW);
    expect(parses.count).toBe(2);
    verifier.verifyPooled(walletToken(), NOW);
    expect(parses.count).toBe(2);
  });

  it('takes the service identity for the service key: the first trusted issuer and the key wallet tokens name', async () => {
    const identity = createServiceIdentity(parseSecretKey(service.secretKey));
    const isKnownUser = async (key: string) => key === user.publicKey;
    const verifier = new TokenVerifier({ service: identity, issuers: [], wallet: { isKnownUser } });
    expect(verifier.issuers).toEqual([service.publicKey]);
    expect(verifier.verifyPooled(serviceToken(), NOW)).toMatchObject({ flow: 'service' });
    expect(await verifier.verifyPooled(walletToken(), NOW)).toMatchObject({ flow: 'wallet' });
    expect(() => new TokenVerifier({ issuers: [service.publicKey], wallet: { isKnownUser } })).toThrow(InvalidArgument);
  });

  it('verify, the synchronous answer, refuses a token that needs a wallet lookup, and the lookup still fills the cache', async () => {
    const { verifier } = gatewayVerifier();
    expect(() => verifier.verify(walletToken(), NOW)).toThrow(/use verifyPooled/);
    expect(await verifier.verifyPooled(walletToken(), NOW)).toMatchObject({ flow: 'wallet' });
    expect(verifier.verify(walletToken(), NOW)).toMatchObject({ flow: 'wallet' });
  });

  it('looks a wallet token presented many times at once up once', async () => {
    const { verifier, asked } = gatewayVerifier();
    const results = await Promise.all(Array.from({ length: 20 }, () => verifier.verifyPooled(walletToken(), NOW)));
    expect(new Set(results).size).toBe(1);
    expect(asked).toEqual(recoverJwtSigners(walletToken()));
  });

  it('never hashes an oversized token, in the cache or among the verifications under way', () => {
    const { verifier } = gatewayVerifier();
    const oversized = `${serviceToken()}.${'x'.repeat(5000)}`;
    void verifier.verifyPooled(walletToken(), NOW); // something under way
    const lookups = vi.spyOn(Map.prototype, 'get');
    const cacheGets = vi.spyOn(LRUCache.prototype, 'get');
    expect(() => verifier.verifyPooled(oversized, NOW)).toThrow(JwtMalformed);
    expect(cacheGets).not.toHaveBeenCalled();
    expect(lookups.mock.calls.filter(([key]) => key === oversized)).toEqual([]);
  });

  it('checks signatures on the verify pool, wallet signers after it, and inline while the pool is saturated', async () => {
    const { verifier } = gatewayVerifier({ pool, inlineShare: 0 });
    const pooled = verifier.verifyPooled(serviceToken(), NOW);
    expect(pooled).toBeInstanceOf(Promise);
    expect(await pooled).toMatchObject({ flow: 'service' });
    expect(await verifier.verifyPooled(walletToken(), NOW)).toMatchObject({ flow: 'wallet' });
    const saturated = new VerifyPool({ threads: 1, maxPending: 1 });
    try {
      const busy = gatewayVerifier({ pool: saturated, inlineShare: 0 }).verifier;
      const first = busy.verifyPooled(serviceToken(NOW - 1), NOW);
      expect(first).toBeInstanceOf(Promise);
      expect(busy.verifyPooled(serviceToken(), NOW)).toMatchObject({ flow: 'service' });
      await first;
    } finally {
      await saturated.close();
    }
  });

  it('starts its own worker threads with `threads`, and ends them on close', async () => {
    const { verifier } = gatewayVerifier({ threads: 1, inlineShare: 0 });
    const pooled = verifier.verifyPooled(serviceToken(), NOW);
    expect(pooled).toBeInstanceOf(Promise);
    await pooled;
    await verifier.close();
    // After close the pool verifies inline; the answer is the same.
    expect(await verifier.verifyPooled(serviceToken(NOW - 2), NOW)).toMatchObject({ flow: 'service' });
  });

  it('measures every verification the cache could not answer, once each', async () => {
    const timings: number[] = [];
    const { verifier } = gatewayVerifier({ onVerified: (seconds) => timings.push(seconds) });
    verifier.verifyPooled(serviceToken(), NOW);
    await verifier.verifyPooled(walletToken(), NOW);
    expect(() => verifier.verifyPooled('a.b', NOW)).toThrow(JwtMalformed);
    verifier.verifyPooled(serviceToken(), NOW);
    expect(timings).toHaveLength(3);
  });
});
