/**
 * Flow B through the one TokenVerifier, on every crypto backend: a token a user signed for the gateway is
 * accepted only from a known signer, then the strict claim and time rules apply. The verifier is configured
 * as the gateway's: the service key as its trusted issuer, then the wallet signers.
 */
import { describe, expect, it } from 'vitest';
import { availableBackends } from '../../src/keys/es256k.js';
import { recoverJwtSigners } from '../../src/jwt/recover.js';
import { TokenVerifier } from '../../src/jwt/token-verifier.js';
import {
  JwtClaimsInvalid,
  JwtExpired,
  JwtNotYetValid,
  JwtSignatureInvalid,
  KeyInvalid,
  StoreUnavailable,
  generateKeyPair,
  issueJwt,
} from '../../src/index.js';
import { b64u, offCurveX, opensslSignedToken, toHex32 } from '../support/secp256k1-reference.js';

const NOW = 1_750_000_000;
const service = generateKeyPair();

/** A known-user answer that records who was asked. */
function knownSet(keys: readonly string[]) {
  const asked: string[] = [];
  const known = new Set(keys);
  return {
    asked,
    isKnownUser: async (key: string) => {
      asked.push(key);
      return known.has(key);
    },
  };
}

/** A token by a fresh user whose signature recovers to two even-y keys (about one token in four). */
function tokenWithTwoCandidates(): { token: string; candidates: string[] } {
  for (;;) {
    const token = issueJwt(generateKeyPair().secretKey, service.publicKey, 1, { now: NOW });
    const candidates = recoverJwtSigners(token);
    if (candidates.length === 2) return { token, candidates };
  }
}

describe.each(availableBackends.map((backend) => [backend.name, backend] as const))(
  'TokenVerifier with wallet signers, %s backend',
  (_name, backend) => {
    const verifierFor = (keys: readonly string[], extra: { cacheSize?: number } = {}) => {
      const known = knownSet(keys);
      const tokens = new TokenVerifier({
        issuers: [service.publicKey],
        wallet: { serviceKey: service.npub, isKnownUser: known.isKnownUser },
        backend,
        ...extra,
      });
      // Always a promise, so that a synchronous refusal is checked like an asynchronous one.
      const verify = async (token: string, now: number) => tokens.verifyPooled(token, now);
      return { known, tokens, verifier: { verify, cached: (token: string, now: number) => tokens.cached(token, now) } };
    };

    it('accepts a token a known user signed for the gateway, naming the user as the signer', async () => {
      const user = generateKeyPair();
      const { verifier, known } = verifierFor([user.publicKey]);
      const token = issueJwt(user.secretKey, service.publicKey, 1, { now: NOW, extraClaims: { jti: 'w1' } });
      const verified = await verifier.verify(token, NOW);
      expect(verified).toEqual({
        targetKey: user.publicKey,
        npub: user.npub,
        flow: 'wallet',
        issuer: user.publicKey,
        permissions: [],
        jti: 'w1',
        claims: { exp: NOW + 3600, nbf: NOW, iat: NOW, target_key: service.publicKey, jti: 'w1' },
      });
      expect(known.asked).toContain(user.publicKey);
    });

    it('rejects a token whose signer is not a known user, with a message that says how to become one', async () => {
      const { verifier } = verifierFor([generateKeyPair().publicKey]);
      const token = issueJwt(generateKeyPair().secretKey, service.publicKey, 1, { now: NOW });
      await expect(verifier.verify(token, NOW)).rejects.toThrow(JwtSignatureInvalid);
      await expect(verifier.verify(token, NOW)).rejects.toThrow(/not a known user.*walletUsers/);
    });

    it('does not treat a token for another party as a wallet token, and never asks who signed it', async () => {
      const user = generateKeyPair();
      const { verifier, known } = verifierFor([user.publicKey]);
      const token = issueJwt(user.secretKey, generateKeyPair().publicKey, 1, { now: NOW });
      // The trusted issuers' reason is the one reported.
      await expect(verifier.verify(token, NOW)).rejects.toThrow(/does not verify with the issuer key/);
      expect(known.asked).toEqual([]);
    });

    it('does not treat a token with an unrecoverable signature or an unparsable payload as a wallet token', async () => {
      const user = generateKeyPair();
      const { verifier, known } = verifierFor([user.publicKey]);
      const token = issueJwt(user.secretKey, service.publicKey, 1, { now: NOW });
      const signature = Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url');
      const offCurveR = Buffer.concat([Buffer.from(offCurveX(toHex32(1n)), 'hex'), signature.subarray(32)]);
      await expect(
        verifier.verify(`${token.slice(0, token.lastIndexOf('.'))}.${b64u(offCurveR)}`, NOW),
      ).rejects.toThrow(/does not verify with the issuer key/);
      const duplicate = `{"exp":${NOW + 60},"exp":${NOW + 60},"target_key":"${service.publicKey}"}`;
      await expect(
        verifier.verify(opensslSignedToken(user.secretKey, '{"alg":"ES256K"}', duplicate), NOW),
      ).rejects.toThrow(/does not verify with the issuer key/);
      expect(known.asked).toEqual([]);
    });

    it('refuses to choose when the signature recovers to two known users', async () => {
      const { token, candidates } = tokenWithTwoCandidates();
      const { verifier } = verifierFor(candidates);
      await expect(verifier.verify(token, NOW)).rejects.toThrow(/ambiguous/);
      // With either one known alone, that one is the signer.
      for (const candidate of candidates)
        expect((await verifierFor([candidate]).verifier.verify(token, NOW)).issuer).toBe(candidate);
    });

    it('applies the strict claim rules and the clock after the signer is known', async () => {
      const user = generateKeyPair();
      const { verifier } = verifierFor([user.publicKey]);
      const floatExp = opensslSignedToken(
        user.secretKey,
        '{"alg":"ES256K"}',
        `{"exp":${NOW}.5,"target_key":"${service.publicKey}"}`,
      );
      await expect(verifier.verify(floatExp, NOW)).rejects.toThrow(JwtClaimsInvalid);
      const token = issueJwt(user.secretKey, service.publicKey, 1, { now: NOW });
      await expect(verifier.verify(token, NOW + 3600 + 60)).rejects.toThrow(JwtExpired);
      await expect(verifier.verify(token, NOW - 61)).rejects.toThrow(JwtNotYetValid);
      expect((await verifier.verify(token, NOW + 3600 + 59)).issuer).toBe(user.publicKey);
      // An unknown signer learns nothing about the clock: the signature decides first.
      const stranger = issueJwt(generateKeyPair().secretKey, service.publicKey, 1, { now: NOW });
      await expect(verifier.verify(stranger, NOW + 7200)).rejects.toThrow(JwtSignatureInvalid);
    });

    it('caches accepted tokens, still re-checking the clock on every hit', async () => {
      const user = generateKeyPair();
      const { verifier, known } = verifierFor([user.publicKey]);
      const token = issueJwt(user.secretKey, service.publicKey, 1, { now: NOW });
      expect(verifier.cached(token, NOW)).toBeUndefined();
      await verifier.verify(token, NOW);
      const lookups = known.asked.length;
      expect((await verifier.verify(token, NOW + 10)).issuer).toBe(user.publicKey);
      expect(verifier.cached(token, NOW + 20)?.issuer).toBe(user.publicKey);
      expect(known.asked).toHaveLength(lookups);
      expect(() => verifier.cached(token, NOW + 3600 + 60)).toThrow(JwtExpired);
      await expect(verifier.verify(token, NOW + 3600 + 60)).rejects.toThrow(JwtExpired);

      const uncached = verifierFor([user.publicKey], { cacheSize: 0 });
      await uncached.verifier.verify(token, NOW);
      await uncached.verifier.verify(token, NOW);
      expect(uncached.verifier.cached(token, NOW)).toBeUndefined();
      expect(uncached.known.asked.filter((key) => key === user.publicKey)).toHaveLength(2);
    });

    it('passes the store error on when the known-user answer cannot be had', async () => {
      const verifier = new TokenVerifier({
        issuers: [service.publicKey],
        wallet: {
          serviceKey: service.publicKey,
          isKnownUser: async () => {
            throw new StoreUnavailable('store down');
          },
        },
        backend,
      });
      const token = issueJwt(generateKeyPair().secretKey, service.publicKey, 1, { now: NOW });
      await expect(verifier.verifyPooled(token, NOW)).rejects.toThrow(StoreUnavailable);
    });
  },
);

describe('TokenVerifier wallet options', () => {
  it('takes the service key as hex or npub and rejects a bad one with KeyInvalid', async () => {
    const user = generateKeyPair();
    const token = issueJwt(user.secretKey, service.publicKey, 1, { now: NOW });
    const isKnownUser = async (key: string) => key === user.publicKey;
    for (const serviceKey of [service.npub, service.publicKey.toUpperCase()]) {
      const verifier = new TokenVerifier({ issuers: [], wallet: { serviceKey, isKnownUser } });
      expect((await verifier.verifyPooled(token, NOW)).issuer).toBe(user.publicKey);
    }
    expect(() => new TokenVerifier({ issuers: [], wallet: { serviceKey: 'nope', isKnownUser } })).toThrow(KeyInvalid);
  });
});
