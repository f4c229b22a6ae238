import { describe, expect, it } from 'vitest';
import { decodeBase64url, encodeBase64url } from '../../src/encoding/base64url.js';
import { createPrng } from '../support/prng.js';

// Pure text <-> bytes code: no crypto backend involved, so it runs once.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('encodeBase64url', () => {
  it('uses the URL alphabet without padding (RFC 4648 section 5 test vectors)', () => {
    const cases: [string, string][] = [
      ['', ''],
      ['f', 'Zg'],
      ['fo', 'Zm8'],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg'],
      ['fooba', 'Zm9vYmE'],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [text, encoded] of cases) expect(encodeBase64url(text)).toBe(encoded);
    expect(encodeBase64url(Uint8Array.of(0xfb, 0xff, 0xbf))).toBe('-_-_');
    expect(encodeBase64url('{"alg":"ES256K"}')).toBe('eyJhbGciOiJFUzI1NksifQ');
  });
});

describe('decodeBase64url', () => {
  it('round-trips random bytes of every length from 0 to 96', () => {
    const prng = createPrng(7);
    for (let length = 0; length <= 96; length++) {
      const bytes = prng.bytes(length);
      const text = encodeBase64url(bytes);
      expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
      expect(decodeBase64url(text)).toEqual(bytes);
    }
  });

  it('decodes the empty string to no bytes', () => {
    expect(decodeBase64url('')).toEqual(Buffer.alloc(0));
  });

  it('rejects "=" padding, even where padding would be correct', () => {
    for (const text of ['Zg==', 'Zg=', 'Zm8=', 'Zm9v=', '=', 'Zm9v====']) expect(decodeBase64url(text)).toBeUndefined();
  });

  it('rejects whitespace anywhere', () => {
    for (const text of [' Zm9v', 'Zm9v ', 'Zm 9v', 'Zm9v\n', '\tZm9v', 'Zm9v\r\n', 'Zm\u00a09v']) {
      expect(decodeBase64url(text)).toBeUndefined();
    }
  });

  it('rejects the standard alphabet and any other character outside A-Z a-z 0-9 - _', () => {
    expect(decodeBase64url('-_-_')).toEqual(Buffer.from([0xfb, 0xff, 0xbf]));
    for (const text of ['+/+/', 'Zm9+', 'Zm9/', 'Zm9.', 'Zm9é', 'Zm9\u0000', 'Ｚm9v', 'Zm9v\ud800']) {
      expect(decodeBase64url(text)).toBeUndefined();
    }
  });

  it('rejects lengths that are 1 mod 4 (no whole byte fits in 6 bits)', () => {
    for (const text of ['A', 'AAAAA', 'Zm9vY']) expect(decodeBase64url(text)).toBeUndefined();
  });

  // The rule written independently of the implementation: the last character of a 2-char group
  // carries 4 unused bits, of a 3-char group 2 unused bits, and those must be zero.
  it.each([
    ['two', 'Q', 0b1111],
    ['three', 'QU', 0b11],
  ])('accepts only the canonical last character of a %s-character tail', (_size, prefix, unusedMask) => {
    for (const [index, last] of [...ALPHABET].entries()) {
      const text = `Zm9v${prefix}${last}`;
      const canonical = (index & unusedMask) === 0;
      expect(decodeBase64url(text) !== undefined, text).toBe(canonical);
      if (canonical) expect(encodeBase64url(decodeBase64url(text)!)).toBe(text);
    }
  });

  it('accepts every character of a full group (no unused bits there)', () => {
    for (const c of ALPHABET) expect(decodeBase64url(`${c}${c}${c}${c}`)).toHaveLength(3);
  });
});
