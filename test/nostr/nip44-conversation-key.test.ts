/** The OpenSSL conversation key against nostr-tools' pure-JS one, and what it refuses. */
import { describe, expect, it } from 'vitest';
import { getConversationKey } from 'nostr-tools/nip44';
import { generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { conversationKey } from '../../src/nostr/nip44-conversation-key.js';

describe('conversationKey', () => {
  it('gives the same bytes as nostr-tools for random key pairs, in both directions', () => {
    for (let i = 0; i < 50; i++) {
      const a = generateSecretKey();
      const b = generateSecretKey();
      const expected = Buffer.from(getConversationKey(a, getPublicKey(b))).toString('hex');
      expect(Buffer.from(conversationKey(a, getPublicKey(b))).toString('hex')).toBe(expected);
      expect(Buffer.from(conversationKey(b, getPublicKey(a))).toString('hex')).toBe(expected);
    }
  });

  it('accepts upper-case hex and gives the same key', () => {
    const a = generateSecretKey();
    const peer = getPublicKey(generateSecretKey());
    expect(conversationKey(a, peer.toUpperCase())).toEqual(conversationKey(a, peer));
  });

  it('throws for a peer key that is not a curve point or not 64 hex characters', () => {
    const a = generateSecretKey();
    // x = 5 has no point on secp256k1 (5^3 + 7 = 132 is not a square mod p).
    expect(() => conversationKey(a, '0'.repeat(63) + '5')).toThrow();
    expect(() => getConversationKey(a, '0'.repeat(63) + '5')).toThrow();
    expect(() => conversationKey(a, 'ff'.repeat(32))).toThrow();
    expect(() => conversationKey(a, 'abc')).toThrow('64 hex');
    expect(() => conversationKey(new Uint8Array(31), getPublicKey(a))).toThrow('32 bytes');
  });
});
