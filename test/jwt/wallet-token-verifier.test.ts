/**
 * WalletTokenVerifier, the library's wallet-tokens-only verifier: the one TokenVerifier with the wallet
 * signers alone, answering `{ claims, signer }`, or undefined for a token that is no wallet token for this
 * service. Flow B's rules themselves are tested in wallet-signers.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { WalletTokenVerifier } from '../../src/jwt/wallet-token-verifier.js';
import { JwtExpired, JwtSignatureInvalid, KeyInvalid, generateKeyPair, issueJwt, toNpub } from '../../src/index.js';

const NOW = 1_750_000_000;
const service = generateKeyPair();
const user = generateKeyPair();
const isKnownUser = async (key: string) => key === user.publicKey;

describe('WalletTokenVerifier', () => {
  it('answers a known user’s token with its claims and signer, from its cache the second time', async () => {
    const verifier = new WalletTokenVerifier({ serviceKey: service.npub, isKnownUser });
    const token = issueJwt(user.secretKey, service.publicKey, 1, { now: NOW, extraClaims: { jti: 'w1' } });
    expect(verifier.cached(token, NOW)).toBeUndefined();
    expect(await verifier.verify(token, NOW)).toEqual({
      signer: user.publicKey,
      claims: { exp: NOW + 3600, nbf: NOW, iat: NOW, target_key: service.publicKey, jti: 'w1' },
    });
    expect(verifier.cached(token, NOW + 20)).toEqual({ signer: user.publicKey, claims: expect.anything() });
    expect(() => verifier.cached(token, NOW + 3600 + 60)).toThrow(JwtExpired);
  });

  it('resolves to undefined for a token that is not a wallet token for the service, even one the service signed', async () => {
    const verifier = new WalletTokenVerifier({ serviceKey: service.publicKey, isKnownUser });
    expect(await verifier.verify(issueJwt(user.secretKey, generateKeyPair().publicKey, 1, { now: NOW }), NOW)).toBe(
      undefined,
    );
    expect(await verifier.verify(issueJwt(service.secretKey, user.publicKey, 1, { now: NOW }), NOW)).toBeUndefined();
    const stranger = issueJwt(generateKeyPair().secretKey, service.publicKey, 1, { now: NOW });
    await expect(verifier.verify(stranger, NOW)).rejects.toThrow(JwtSignatureInvalid);
  });

  it('takes the service key as hex or npub and rejects a bad one with KeyInvalid', () => {
    expect(new WalletTokenVerifier({ serviceKey: toNpub(service.publicKey), isKnownUser }).serviceKey).toBe(
      service.publicKey,
    );
    expect(new WalletTokenVerifier({ serviceKey: service.publicKey.toUpperCase(), isKnownUser }).serviceKey).toBe(
      service.publicKey,
    );
    expect(() => new WalletTokenVerifier({ serviceKey: 'nope', isKnownUser })).toThrow(KeyInvalid);
  });
});
