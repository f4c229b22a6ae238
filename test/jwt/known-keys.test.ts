/** KnownKeys: a verifier's memo of keys found on the curve and of their npubs. */
import { describe, expect, it } from 'vitest';
import { KnownKeys } from '../../src/jwt/known-keys.js';
import { generateKeyPair, toNpub } from '../../src/index.js';
import { offCurveX } from '../support/secp256k1-reference.js';

describe('KnownKeys', () => {
  it('answers the curve check as isCurvePoint does, and never remembers a key that is off the curve', () => {
    const known = new KnownKeys();
    const { publicKey } = generateKeyPair();
    const off = offCurveX(publicKey);
    for (let i = 0; i < 2; i++) {
      expect(known.onCurve(publicKey)).toBe(true);
      expect(known.onCurve(off)).toBe(false);
    }
  });

  it('gives the npub of a key, the same before and after its curve check was remembered', () => {
    const known = new KnownKeys();
    const [a, b] = [generateKeyPair(), generateKeyPair()];
    expect(known.npub(a.publicKey)).toBe(toNpub(a.publicKey));
    expect(known.onCurve(b.publicKey)).toBe(true);
    expect(known.npub(b.publicKey)).toBe(b.npub);
    expect(known.npub(b.publicKey)).toBe(b.npub);
  });
});
