import { describe, expect, it } from 'vitest';
import rustNostr from '@rust-nostr/nostr-sdk';
import {
  deriveSubkeyPublicKey,
  subkeyAllowsLogin,
  subkeyCanonicalBytes,
  subkeyTweak,
  verifySubkeyProof,
  type SubkeyMetadata,
} from '../../src/nostr/subkey.js';
import { deriveSubkeySecret } from '../support/wallet.js';

// Worked example of docs/protocol.md section 5 (the main key has odd y, so the negation rule applies).
const MAIN_SECRET = '6bb02b344b1c91f9901cedd351b41b1f0e03c22ba2d39eb537e2a22151945ddc';
const MAIN_KEY = '9a0f017f984ebe5f7cf70bdf43b2173968f99f38bf0669a2bbf4c8bbcd482772';
const METADATA: SubkeyMetadata = {
  name: 'phone',
  nonce: '11'.repeat(32),
  validFromSec: 1750000000,
  expiresAtSec: 1781536000,
  permissions: ['auth'],
  version: 1,
};
const CANONICAL = `01050070686f6e65${'11'.repeat(32)}80e14e68000000000015306a0000000001`;
const TWEAK = '2884b9ac42877471e80bba45447287f2212febfe5736f04e390cd64ac03bee52';
const SUBKEY_SECRET = 'bcd48e77f76ae27857eecc71f2be6cd1cddb06b963abf1d4c0fc92b63eddd1b7';
const SUBKEY = '3f169fde8d638c418758e1c43b901964d8ee0f29622469e639b5304d417a77c3';

describe('subkeys (docs/protocol.md section 5 worked example)', () => {
  it('serialises the metadata to the canonical bytes', () => {
    expect(Buffer.from(subkeyCanonicalBytes(METADATA)).toString('hex')).toBe(CANONICAL);
  });

  it('derives the tweak and the subkey from the main key alone', () => {
    expect(subkeyTweak(METADATA)?.toString(16).padStart(64, '0')).toBe(TWEAK);
    expect(deriveSubkeyPublicKey(MAIN_KEY, METADATA)).toBe(SUBKEY);
  });

  it('agrees with an independent derivation (node:crypto secret, rust-nostr public key)', () => {
    expect(deriveSubkeySecret(MAIN_SECRET, { ...METADATA, nonceHex: METADATA.nonce })).toBe(SUBKEY_SECRET);
    expect(rustNostr.Keys.parse(SUBKEY_SECRET).publicKey.toHex()).toBe(SUBKEY);
    expect(rustNostr.Keys.parse(MAIN_SECRET).publicKey.toHex()).toBe(MAIN_KEY);
  });

  it('agrees with the independent derivation for other metadata (payment bit, long UTF-8 name, version 0)', () => {
    const metadata: SubkeyMetadata = {
      name: 'tablette é'.repeat(40),
      nonce: 'ab'.repeat(32),
      validFromSec: 0,
      expiresAtSec: 2 ** 40,
      permissions: ['auth', 'payment'],
      version: 0,
    };
    const secret = deriveSubkeySecret(MAIN_SECRET, { ...metadata, nonceHex: metadata.nonce });
    expect(deriveSubkeyPublicKey(MAIN_KEY, metadata)).toBe(rustNostr.Keys.parse(secret).publicKey.toHex());
  });

  it('verifies a proof only for the key it derives', () => {
    const proof = { mainKey: MAIN_KEY, metadata: METADATA };
    expect(verifySubkeyProof(proof, SUBKEY)).toBe(true);
    expect(verifySubkeyProof(proof, SUBKEY.toUpperCase())).toBe(true);
    expect(verifySubkeyProof(proof, MAIN_KEY)).toBe(false);
    expect(verifySubkeyProof({ mainKey: MAIN_KEY, metadata: { ...METADATA, name: 'Phone' } }, SUBKEY)).toBe(false);
    expect(
      verifySubkeyProof({ mainKey: MAIN_KEY, metadata: { ...METADATA, permissions: ['auth', 'payment'] } }, SUBKEY),
    ).toBe(false);
    expect(verifySubkeyProof({ mainKey: SUBKEY, metadata: METADATA }, SUBKEY)).toBe(false);
  });

  it('rejects a main key that is not on the curve', () => {
    const offCurve = '0000000000000000000000000000000000000000000000000000000000000005';
    expect(deriveSubkeyPublicKey(offCurve, METADATA)).toBeUndefined();
    expect(verifySubkeyProof({ mainKey: offCurve, metadata: METADATA }, SUBKEY)).toBe(false);
  });

  it('lets a subkey sign a login only inside its window and with the auth permission', () => {
    expect(subkeyAllowsLogin(METADATA, 1750000000)).toBe(true);
    expect(subkeyAllowsLogin(METADATA, 1781536000)).toBe(true);
    expect(subkeyAllowsLogin(METADATA, 1749999999)).toBe(false);
    expect(subkeyAllowsLogin(METADATA, 1781536001)).toBe(false);
    expect(subkeyAllowsLogin({ ...METADATA, permissions: ['payment'] }, 1760000000)).toBe(false);
  });
});
