/**
 * WalletTokenVerifier (flow B) on every crypto backend: a token a user signed for the gateway is
 * accepted only from a known signer, then the strict claim and time rules apply.
 */
import { describe, expect, it } from 'vitest';
import { availableBackends } from '../../src/keys/es256k.js';
import { recoverJwtSigners } from '../../src/jwt/recover.js';
import { WalletTokenVerifier } from '../../src/jwt/wallet-token-verifier.js';
import {
  JwtClaimsInvalid,
  JwtExpired,
  JwtNotYetValid,
  JwtSignatureInvalid,
  KeyInvalid,
  StoreUnavailable,
  generateKeyPair,
  issueJwt,
  toNpub,
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
  'WalletTokenVerifier with the %s backend',
  (_name, backend) => {
    const verifierFor = (keys: readonly string[], extra: { cacheSize?: number } = {}) => {
      const known = knownSet(keys);
      return {
        known,
        verifier: new WalletTokenVerifier({
          serviceKey: service.npub,
          isKnownUser: known.isKnownUser,
          backend,
          ...extra,
        }),
      };
    };

    it('accepts a token a known user signed for the gateway, naming the user as the signer', async () => {
      const user = generateKeyPair();
      const { verifier, known } = verifierFor([user.publicKey]);
      const token = issueJwt(user.secretKey, service.publicKey, 1, { now: NOW, extraClaims: { jti: 'w1' } });
      const verified = await verifier.verify(token, NOW);
      expect(verified).toEqual({
        signer: user.publicKey,
        claims: { exp: NOW + 3600, nbf: NOW, iat: NOW, target_key: service.publicKey, jti: 'w1' },
      });
      expect(known.asked).toContain(user.publicKey);
      expect(verifier.serviceKey).toBe(service.publicKey);
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
      expect(await verifier.verify(token, NOW)).toBeUndefined();
      expect(known.asked).toEqual([]);
    });

    it('does not treat a token with an unrecoverable signature or an unparsable payload as a wallet token', async () => {
      const user = generateKeyPair();
      const { verifier, known } = verifierFor([user.publicKey]);
      const token = issueJwt(user.secretKey, service.publicKey, 1, { now: NOW });
      const signature = Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url');
      const offCurveR = Buffer.concat([Buffer.from(offCurveX(toHex32(1n)), 'hex'), signature.subarray(32)]);
      expect(
        await verifier.verify(`${token.slice(0, token.lastIndexOf('.'))}.${b64u(offCurveR)}`, NOW),
      ).toBeUndefined();
      const duplicate = `{"exp":${NOW + 60},"exp":${NOW + 60},"target_key":"${service.publicKey}"}`;
      expect(
        await verifier.verify(opensslSignedToken(user.secretKey, '{"alg":"ES256K"}', duplicate), NOW),
      ).toBeUndefined();
      expect(known.asked).toEqual([]);
    });

    it('refuses to choose when the signature recovers to two known users', async () => {
      const { token, candidates } = tokenWithTwoCandidates();
      const { verifier } = verifierFor(candidates);
      await expect(verifier.verify(token, NOW)).rejects.toThrow(/ambiguous/);
      // With either one known alone, that one is the signer.
      for (const candidate of candidates)
        expect((await verifierFor([candidate]).verifier.verify(token, NOW))?.signer).toBe(candidate);
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
      expect((await verifier.verify(token, NOW + 3600 + 59))?.signer).toBe(user.publicKey);
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
      expect((await verifier.verify(token, NOW + 10))?.signer).toBe(user.publicKey);
      expect(verifier.cached(token, NOW + 20)?.signer).toBe(user.publicKey);
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
      const verifier = new WalletTokenVerifier({
        serviceKey: service.publicKey,
        isKnownUser: async () => {
          throw new StoreUnavailable('store down');
        },
        backend,
      });
      const token = issueJwt(generateKeyPair().secretKey, service.publicKey, 1, { now: NOW });
      await expect(verifier.verify(token, NOW)).rejects.toThrow(StoreUnavailable);
    });
  },
);

describe('WalletTokenVerifier options', () => {
  it('takes the service key as hex or npub and rejects a bad one with KeyInvalid', () => {
    const isKnownUser = async () => false;
    expect(new WalletTokenVerifier({ serviceKey: toNpub(service.publicKey), isKnownUser }).serviceKey).toBe(
      service.publicKey,
    );
    expect(new WalletTokenVerifier({ serviceKey: service.publicKey.toUpperCase(), isKnownUser }).serviceKey).toBe(
      service.publicKey,
    );
    expect(() => new WalletTokenVerifier({ serviceKey: 'nope', isKnownUser })).toThrow(KeyInvalid);
  });
});
