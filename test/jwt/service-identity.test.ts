/** createServiceIdentity: the gateway's identity, derived once from its service key. */
import { describe, expect, it } from 'vitest';
import { createServiceIdentity } from '../../src/jwt/service-identity.js';
import { TokenVerifier } from '../../src/jwt/token-verifier.js';
import { generateKeyPair, parseSecretKey, verifyJwt } from '../../src/index.js';

describe('createServiceIdentity', () => {
  it('derives the public key, npub, curve point and token issuer of the service key, frozen', () => {
    const pair = generateKeyPair();
    const service = createServiceIdentity(parseSecretKey(pair.secretKey));
    expect(service).toMatchObject({ publicKey: pair.publicKey, npub: pair.npub });
    expect(service.key.xOnlyHex).toBe(pair.publicKey);
    expect(service.issuer.publicKey).toBe(pair.publicKey);
    expect(Object.isFrozen(service)).toBe(true);
    const token = service.issuer.issue(generateKeyPair().publicKey, { ttlSec: 60 });
    expect(verifyJwt(pair.publicKey, token).exp).toBeGreaterThan(0);
  });

  it('is what the token verifier checks the gateway’s own tokens with: its key first, a sid token a sign-in session', () => {
    const service = createServiceIdentity(parseSecretKey(generateKeyPair().secretKey));
    const other = generateKeyPair();
    const verifier = new TokenVerifier({ service, issuers: [other.publicKey, service.publicKey] });
    expect(verifier.issuers).toEqual([service.publicKey, other.publicKey]);
    const session = service.issuer.issue(other.publicKey, { ttlSec: 60, extraClaims: { sid: 's-1' } });
    expect(verifier.verify(session)).toMatchObject({ flow: 'login', sessionId: 's-1', issuer: service.publicKey });
  });
});
