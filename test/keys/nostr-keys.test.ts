import { beforeAll, describe, expect, it } from 'vitest';
import { decode as nip19Decode, encodeBytes, npubEncode, nsecEncode } from 'nostr-tools/nip19';
import { BACKEND_NAMES, loadJwtModules, type JwtModules } from '../support/jwt-backends.js';
import { createPrng } from '../support/prng.js';
import { N, evenY, offCurveX, randomSecretHex, toHex32, xOnlyOf } from '../support/secp256k1-reference.js';

const prng = createPrng(11);
const SECRETS = Array.from({ length: 8 }, () => randomSecretHex(prng.bytes));
const OFF_CURVE_X = offCurveX('0000000000000000000000000000000000000000000000000000000000000005');

/** Every spelling of the secret that must never appear in an error message or stack. */
function secretSpellings(secretHex: string): string[] {
  const bytes = Buffer.from(secretHex, 'hex');
  return [
    secretHex.toLowerCase(),
    secretHex.toUpperCase(),
    nsecEncode(bytes),
    bytes.toString('base64'),
    secretHex.slice(8, 40),
  ];
}

describe.each(BACKEND_NAMES)('keys with the %s backend', (backendName) => {
  let m: JwtModules;
  beforeAll(async () => {
    m = await loadJwtModules(backendName);
  });

  function keyError(run: () => unknown): InstanceType<JwtModules['api']['KeyInvalid']> {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(m.api.KeyInvalid);
      expect((error as { code: string }).code).toBe('ERR_KEY_INVALID');
      return error as InstanceType<JwtModules['api']['KeyInvalid']>;
    }
    throw new Error('expected KeyInvalid, nothing was thrown');
  }

  describe('public keys', () => {
    it('accepts 64 hex chars in either case, npub and nostr:npub, and normalises to lower-case hex', () => {
      for (const secret of SECRETS) {
        const xOnly = xOnlyOf(secret);
        const npub = npubEncode(xOnly);
        const mixed = [...xOnly].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('');
        for (const spelling of [xOnly, xOnly.toUpperCase(), mixed, npub, `nostr:${npub}`]) {
          expect(m.api.normalizePublicKey(spelling)).toBe(xOnly);
          expect(m.api.isValidPublicKey(spelling)).toBe(true);
        }
      }
    });

    it('accepts a random x exactly when x³ + 7 is a square mod p (checked with BigInt arithmetic)', () => {
      let onCurve = 0;
      for (let i = 0; i < 200; i++) {
        const x = prng.bytes(32).toString('hex');
        const expected = evenY(x) !== undefined;
        if (expected) onCurve++;
        expect(m.api.isValidPublicKey(x), x).toBe(expected);
      }
      // Half of all x values are on the curve: both answers were exercised.
      expect(onCurve).toBeGreaterThan(60);
      expect(onCurve).toBeLessThan(140);
    });

    it('rejects an x that is not on the curve, as hex and as npub', () => {
      expect(keyError(() => m.api.normalizePublicKey(OFF_CURVE_X)).message).toMatch(
        /not the x coordinate of a secp256k1 point/,
      );
      expect(keyError(() => m.api.normalizePublicKey(npubEncode(OFF_CURVE_X))).message).toMatch(/not the x coordinate/);
      expect(m.api.isValidPublicKey(OFF_CURVE_X)).toBe(false);
    });

    it('rejects x values at or above the field prime', () => {
      const p = toHex32(2n ** 256n - 2n ** 32n - 977n);
      for (const x of [p, 'f'.repeat(64)]) keyError(() => m.api.normalizePublicKey(x));
    });

    it.each([
      ['63 hex chars', 'a'.repeat(63)],
      ['65 hex chars', 'a'.repeat(65)],
      ['a non-hex character', `${'a'.repeat(63)}g`],
      ['surrounding whitespace', ` ${'a'.repeat(64)}`],
      ['0x prefix', `0x${'a'.repeat(64)}`],
      ['empty string', ''],
      ['hex behind nostr:', `nostr:${'a'.repeat(64)}`],
    ])('rejects %s', (_name, input) => {
      expect(keyError(() => m.api.normalizePublicKey(input)).message).toMatch(/must be 64 hex characters or an npub/);
    });

    it('rejects an npub with a broken checksum or the wrong payload length, and an nsec', () => {
      const npub = npubEncode(xOnlyOf(SECRETS[0]!));
      const broken = npub.slice(0, -1) + (npub.endsWith('q') ? 'p' : 'q');
      expect(keyError(() => m.api.normalizePublicKey(broken)).message).toMatch(/not a valid npub/);
      const short = encodeBytes('npub', Buffer.from(xOnlyOf(SECRETS[0]!), 'hex').subarray(0, 31));
      expect(keyError(() => m.api.normalizePublicKey(short)).message).toMatch(/not a valid npub/);
      const nsec = nsecEncode(Buffer.from(SECRETS[0]!, 'hex'));
      for (const input of [nsec, `nostr:${nsec}`]) keyError(() => m.api.normalizePublicKey(input));
    });

    it.each([undefined, null, 42, {}, [], Buffer.alloc(32, 1), true])('rejects the non-string %s', (input) => {
      expect(keyError(() => m.api.normalizePublicKey(input)).message).toMatch(
        /must be 64 hex characters or an npub1… string; got a /,
      );
      expect(m.api.isValidPublicKey(input)).toBe(false);
    });

    it('names the key in the message', () => {
      expect(keyError(() => m.api.normalizePublicKey('x', 'target key')).message).toMatch(/^target key /);
    });

    it('toNpub encodes hex or npub input the way nostr-tools does', () => {
      const xOnly = xOnlyOf(SECRETS[1]!);
      expect(m.api.toNpub(xOnly.toUpperCase())).toBe(npubEncode(xOnly));
      expect(m.api.toNpub(npubEncode(xOnly))).toBe(npubEncode(xOnly));
      keyError(() => m.api.toNpub(OFF_CURVE_X));
    });
  });

  describe('secret keys', () => {
    it('parses 64 hex chars in either case and nsec to the same 32 bytes', () => {
      for (const secret of SECRETS) {
        const bytes = Buffer.from(secret, 'hex');
        expect(Buffer.from(m.api.parseSecretKey(secret))).toEqual(bytes);
        expect(Buffer.from(m.api.parseSecretKey(secret.toUpperCase()))).toEqual(bytes);
        expect(Buffer.from(m.api.parseSecretKey(nsecEncode(bytes)))).toEqual(bytes);
      }
    });

    it('ignores the line break a key file ends with', () => {
      expect(Buffer.from(m.api.parseSecretKey(`${SECRETS[0]}\n`)).toString('hex')).toBe(SECRETS[0]);
    });

    it('accepts the scalar range [1, n-1] and rejects 0, n, n+1 and 2^256-1', () => {
      for (const valid of [1n, 2n, N - 1n])
        expect(Buffer.from(m.api.parseSecretKey(toHex32(valid))).toString('hex')).toBe(toHex32(valid));
      for (const invalid of [0n, N, N + 1n, 2n ** 256n - 1n]) {
        expect(keyError(() => m.api.parseSecretKey(toHex32(invalid))).message).toMatch(/out of range/);
      }
      expect(keyError(() => m.api.parseSecretKey(nsecEncode(new Uint8Array(32)))).message).toMatch(/out of range/);
    });

    it('rejects an npub, a broken nsec and non-strings', () => {
      keyError(() => m.api.parseSecretKey(npubEncode(xOnlyOf(SECRETS[0]!))));
      const nsec = nsecEncode(Buffer.from(SECRETS[0]!, 'hex'));
      const broken = nsec.slice(0, -1) + (nsec.endsWith('q') ? 'p' : 'q');
      expect(keyError(() => m.api.parseSecretKey(broken)).message).toMatch(/not a valid nsec/);
      for (const input of [undefined, null, 1, Buffer.from(SECRETS[0]!, 'hex')])
        keyError(() => m.api.parseSecretKey(input));
    });

    it('never puts the secret into an error message or stack', () => {
      const secret = SECRETS[2]!;
      const nsec = nsecEncode(Buffer.from(secret, 'hex'));
      const brokenNsec = nsec.slice(0, -1) + (nsec.endsWith('q') ? 'p' : 'q');
      const attempts: (() => unknown)[] = [
        () => m.api.parseSecretKey(secret.slice(0, 63)),
        () => m.api.parseSecretKey(`${secret}0`),
        () => m.api.parseSecretKey(`${secret.slice(0, 63)}z`),
        () => m.api.parseSecretKey(brokenNsec),
        () => m.api.parseSecretKey(` x${secret}`),
        () => m.api.getPublicKey(`${secret}ab`),
        () => m.api.toNsec(brokenNsec),
        () => m.api.issueJwt(secret.slice(1), xOnlyOf(secret), 1),
        () => m.api.issueJwt(secret, OFF_CURVE_X, 1),
        () => m.api.issueJwt(secret, xOnlyOf(secret), -1),
        () => m.api.createJwtIssuer(brokenNsec),
        () => m.api.createJwtIssuer(secret).issue(xOnlyOf(secret), { ttlSec: 0 }),
        () => m.api.normalizePublicKey(secret.slice(0, 63)),
        () => m.api.normalizePublicKey(nsec),
      ];
      for (const attempt of attempts) {
        let thrown: unknown;
        try {
          attempt();
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(m.api.GatewayError);
        const text = `${String(thrown)}\n${(thrown as Error).stack}\n${JSON.stringify(thrown)}`;
        for (const spelling of [...secretSpellings(secret), brokenNsec.slice(5, 40)])
          expect(text).not.toContain(spelling);
      }
      // The out-of-range case has a secret that is not a usable key, but it is still secret input.
      const outOfRange = toHex32(N + 12345n);
      expect(keyError(() => m.api.parseSecretKey(outOfRange)).message).not.toContain(outOfRange.slice(8, 40));
    });

    it('getPublicKey matches OpenSSL for hex, nsec and bytes', () => {
      for (const secret of SECRETS) {
        const expected = xOnlyOf(secret);
        expect(m.api.getPublicKey(secret)).toBe(expected);
        expect(m.api.getPublicKey(nsecEncode(Buffer.from(secret, 'hex')))).toBe(expected);
        expect(m.api.getPublicKey(Buffer.from(secret, 'hex'))).toBe(expected);
      }
    });

    it('toNsec encodes hex or nsec input the way nostr-tools does', () => {
      const nsec = nsecEncode(Buffer.from(SECRETS[3]!, 'hex'));
      expect(m.api.toNsec(SECRETS[3]!.toUpperCase())).toBe(nsec);
      expect(m.api.toNsec(nsec)).toBe(nsec);
    });
  });

  it('generateKeyPair returns a fresh, self-consistent key pair', () => {
    const pairs = [m.api.generateKeyPair(), m.api.generateKeyPair()];
    expect(pairs[0]!.secretKey).not.toBe(pairs[1]!.secretKey);
    for (const pair of pairs) {
      expect(pair.secretKey).toMatch(/^[0-9a-f]{64}$/);
      expect(pair.publicKey).toBe(xOnlyOf(pair.secretKey));
      expect(nip19Decode(pair.npub)).toEqual({ type: 'npub', data: pair.publicKey });
      const nsec = nip19Decode(pair.nsec);
      expect(nsec.type).toBe('nsec');
      expect(Buffer.from(nsec.data as Uint8Array).toString('hex')).toBe(pair.secretKey);
    }
  });
});
