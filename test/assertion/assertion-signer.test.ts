/**
 * The identity assertion: claims as documented, signatures stock JWT libraries verify (jose, against the
 * published JWKS, for ES256 and ES256K), and reuse while more than half the lifetime is left.
 */
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { AssertionKeys } from '../../src/assertion/assertion-keys.js';
import { AssertionSigner } from '../../src/assertion/assertion-signer.js';
import type { AssertionConfig } from '../../src/config/types.js';
import type { PortalIdentity } from '../../src/jwt/identity.js';
import { generateKeyPair, toNpub } from '../../src/index.js';

const user = generateKeyPair();
/** A session token's identity when `claims` has a `sid`, as RequestAuthenticator builds it. */
const identity = (sessionId?: string): PortalIdentity =>
  Object.freeze({
    targetKey: user.publicKey,
    npub: toNpub(user.publicKey),
    flow: sessionId === undefined ? 'service' : 'login',
    issuer: user.publicKey,
    permissions: Object.freeze(['read', 'write']),
    ...(sessionId === undefined ? {} : { sessionId }),
    claims: { exp: 2_000_000_000, nbf: 0, iat: 0, target_key: user.publicKey },
  }) as PortalIdentity;

function signerFor(alg: AssertionConfig['alg'], ttlSec = 60) {
  const keys = new AssertionKeys({ enabled: true, alg, ttlSec }, '', { ephemeral: true });
  return { keys, signer: new AssertionSigner(() => keys.current(), ttlSec) };
}

describe('AssertionSigner', () => {
  for (const alg of ['ES256', 'ES256K'] as const) {
    it(`signs ${alg} assertions that jose verifies against the published JWKS, with the documented claims`, async () => {
      const { keys, signer } = signerFor(alg);
      const now = Math.floor(Date.now() / 1000);
      const { token, expiresAt } = signer.assertionFor(
        identity('session-1'),
        'https://gw.example',
        'https://api.example',
        now,
      );
      const jwks = createLocalJWKSet({ keys: keys.published() });
      const { payload, protectedHeader } = await jwtVerify(token, jwks, {
        issuer: 'https://gw.example',
        audience: 'https://api.example',
        algorithms: [alg],
      });
      expect(protectedHeader).toEqual({ alg, kid: keys.current().kid, typ: 'JWT' });
      expect(payload).toEqual({
        iss: 'https://gw.example',
        aud: 'https://api.example',
        sub: user.publicKey,
        npub: toNpub(user.publicKey),
        flow: 'login',
        permissions: ['read', 'write'],
        sid: 'session-1',
        iat: now,
        exp: now + 60,
      });
      expect(expiresAt).toBe(now + 60);
    });
  }

  it('leaves sid out when the token is not bound to a session (flow service)', () => {
    const { signer } = signerFor('ES256');
    const { token } = signer.assertionFor(identity(), 'https://gw.example', 'https://api.example');
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())).not.toHaveProperty('sid');
  });

  it('reuses an assertion for the same caller, issuer and audience while more than half its life is left', () => {
    const { signer } = signerFor('ES256', 60);
    const who = identity();
    const first = signer.assertionFor(who, 'https://gw.example', 'https://api.example', 1000);
    expect(signer.assertionFor(who, 'https://gw.example', 'https://api.example', 1029).token).toBe(first.token);
    expect(signer.assertionFor(who, 'https://gw.example', 'https://other.example', 1000).token).not.toBe(first.token);
    expect(signer.assertionFor(who, 'https://gw2.example', 'https://api.example', 1000).token).not.toBe(first.token);
    // Another token of the same caller (a refresh, say) says the same: the assertion is reused.
    expect(signer.assertionFor(identity(), 'https://gw.example', 'https://api.example', 1010).token).toBe(first.token);
    // Anything the assertion states that differs gets an assertion of its own.
    expect(
      signer.assertionFor(identity('session-2'), 'https://gw.example', 'https://api.example', 1010).token,
    ).not.toBe(first.token);
    expect(
      signer.assertionFor(
        Object.freeze({ ...who, permissions: ['read'] }),
        'https://gw.example',
        'https://api.example',
        1010,
      ).token,
    ).not.toBe(first.token);
    const renewed = signer.assertionFor(who, 'https://gw.example', 'https://api.example', 1030);
    expect(renewed.token).not.toBe(first.token);
    expect(renewed.expiresAt).toBe(1090);
  });

  it('signs with the new key as soon as the key changes', () => {
    const a = signerFor('ES256');
    const b = signerFor('ES256');
    let key = a.keys.current();
    const signer = new AssertionSigner(() => key, 60);
    const who = identity();
    const first = signer.assertionFor(who, 'i', 'a', 1000);
    key = b.keys.current();
    const second = signer.assertionFor(who, 'i', 'a', 1001);
    expect(decodeProtectedHeader(first.token).kid).toBe(a.keys.current().kid);
    expect(decodeProtectedHeader(second.token).kid).toBe(b.keys.current().kid);
  });
});
