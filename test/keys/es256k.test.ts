import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Es256kBackend } from '../../src/keys/es256k.js';
import { BACKEND_NAMES, loadJwtModules, type JwtModules } from '../support/jwt-backends.js';
import { createPrng } from '../support/prng.js';
import {
  N,
  compressedPointOf,
  evenYSigningSecret,
  opensslSignedToken,
  opensslVerifyToken,
  randomSecretHex,
  toHex32,
  xOnlyOf,
} from '../support/secp256k1-reference.js';

const prng = createPrng(23);

// With no PORTAL_GATEWAY_CRYPTO preference: both backends load, native first.
let availableBackends: readonly Es256kBackend[];
beforeAll(async () => {
  availableBackends = (await loadJwtModules('native')).es256k.availableBackends;
});

describe('backend selection', () => {
  it('loads the native libsecp256k1 binding by default and keeps the portable backend available', () => {
    expect(availableBackends.map((b) => b.name)).toEqual(['native', 'portable']);
  });

  it('PORTAL_GATEWAY_CRYPTO=portable selects the portable backend', async () => {
    const m = await loadJwtModules('portable');
    expect(m.api.cryptoBackendName).toBe('portable');
    expect(m.es256k.availableBackends.map((b) => b.name)).toEqual(['portable']);
  });
});

describe('the two backends sign byte for byte the same', () => {
  it('for random digests and scalars, and always low-S', () => {
    const [native, portable] = availableBackends as [Es256kBackend, Es256kBackend];
    for (let i = 0; i < 300; i++) {
      const scalar = Buffer.from(randomSecretHex(prng.bytes), 'hex');
      const digest = prng.bytes(32);
      const a = Buffer.from(native.signDigest(digest, scalar));
      const b = Buffer.from(portable.signDigest(digest, scalar));
      expect(a.toString('hex')).toBe(b.toString('hex'));
      expect(BigInt('0x' + a.subarray(32).toString('hex')) <= N / 2n).toBe(true);
    }
  });

  it('for the edge scalars 1 and n-1', () => {
    const [native, portable] = availableBackends as [Es256kBackend, Es256kBackend];
    const digest = createHash('sha256').update('edge').digest();
    for (const scalar of [1n, N - 1n]) {
      const bytes = Buffer.from(toHex32(scalar), 'hex');
      expect(Buffer.from(native.signDigest(digest, bytes))).toEqual(Buffer.from(portable.signDigest(digest, bytes)));
    }
  });
});

describe.each(BACKEND_NAMES)('es256k helpers with the %s backend', (backendName) => {
  let m: JwtModules;
  let backend: Es256kBackend;
  beforeAll(async () => {
    m = await loadJwtModules(backendName);
    backend = m.es256k.defaultBackend;
  });

  it('isValidScalar accepts exactly [1, n-1] as 32 bytes', () => {
    const scalar = (v: bigint) => Buffer.from(toHex32(v), 'hex');
    for (const v of [1n, N - 1n, N / 2n]) expect(m.es256k.isValidScalar(scalar(v))).toBe(true);
    for (const v of [0n, N, N + 1n, 2n ** 256n - 1n]) expect(m.es256k.isValidScalar(scalar(v))).toBe(false);
    expect(m.es256k.isValidScalar(new Uint8Array(31).fill(1))).toBe(false);
    expect(m.es256k.isValidScalar(new Uint8Array(33).fill(1))).toBe(false);
  });

  it('signingScalar applies the negation rule exactly when the point has odd y', () => {
    const parities = new Set<number>();
    for (let i = 0; i < 40; i++) {
      const secret = randomSecretHex(prng.bytes);
      parities.add(compressedPointOf(secret)[0]!);
      expect(Buffer.from(m.es256k.signingScalar(Buffer.from(secret, 'hex'))).toString('hex')).toBe(
        evenYSigningSecret(secret),
      );
      expect(Buffer.from(m.es256k.xOnlyPublicKey(Buffer.from(secret, 'hex'))).toString('hex')).toBe(xOnlyOf(secret));
    }
    expect(parities).toEqual(new Set([0x02, 0x03]));
  });

  it('publicKeyCreate gives the same compressed point as OpenSSL', () => {
    for (let i = 0; i < 40; i++) {
      const secret = randomSecretHex(prng.bytes);
      expect(Buffer.from(backend.publicKeyCreate(Buffer.from(secret, 'hex')))).toEqual(compressedPointOf(secret));
    }
    expect(Buffer.from(backend.publicKeyCreate(Buffer.from(toHex32(1n), 'hex'))).toString('hex')).toBe(
      '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798', // the generator G
    );
  });

  it('signingKey derives the scalar and the x-only key together', () => {
    const secret = randomSecretHex(prng.bytes);
    const key = m.es256k.signingKey(Buffer.from(secret, 'hex'));
    expect(Buffer.from(key.scalar).toString('hex')).toBe(evenYSigningSecret(secret));
    expect(Buffer.from(key.xOnly).toString('hex')).toBe(xOnlyOf(secret));
  });

  it('verify accepts OpenSSL signatures of both S halves and leaves the signature bytes untouched', () => {
    const secret = randomSecretHex(prng.bytes);
    const key = m.es256k.liftXOnly(Buffer.from(xOnlyOf(secret), 'hex'), backend)!;
    const halves = new Set<boolean>();
    for (let i = 0; i < 40; i++) {
      const token = opensslSignedToken(secret, '{"alg":"ES256K"}', `{"i":${i}}`);
      expect(opensslVerifyToken(token, xOnlyOf(secret))).toBe(true);
      const [header, payload, sig] = token.split('.') as [string, string, string];
      const signature = Buffer.from(sig, 'base64url');
      const before = Buffer.from(signature);
      halves.add(m.es256k.isHighS(signature));
      expect(backend.verify(Buffer.from(`${header}.${payload}`), signature, key)).toBe(true);
      expect(signature).toEqual(before);
      expect(backend.verify(Buffer.from(`${header}.${payload}x`), signature, key)).toBe(false);
    }
    expect(halves).toEqual(new Set([true, false]));
  });

  it('signEs256k output verifies with OpenSSL against the even-y lift', () => {
    const secret = randomSecretHex(prng.bytes);
    const input = 'eyJhbGciOiJFUzI1NksifQ.e30';
    const signature = m.es256k.signEs256k(Buffer.from(input), Buffer.from(evenYSigningSecret(secret), 'hex'), backend);
    expect(opensslVerifyToken(`${input}.${Buffer.from(signature).toString('base64url')}`, xOnlyOf(secret))).toBe(true);
  });
});
