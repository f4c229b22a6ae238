/**
 * Independent secp256k1 / ES256K helpers for cross-checks. Nothing here imports project code: curve
 * facts are computed with BigInt arithmetic from the curve equation, keys and signatures come from
 * node:crypto (OpenSSL), so a bug in src/jwt cannot hide behind the same bug in its checker.
 */
import {
  createECDH,
  createPrivateKey,
  createPublicKey,
  sign as opensslSignRaw,
  verify as opensslVerifyRaw,
} from 'node:crypto';
import type { JsonWebKey, KeyObject } from 'node:crypto';

/** Field prime p and group order n of secp256k1. */
export const P = 2n ** 256n - 2n ** 32n - 977n;
export const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

export function toHex32(value: bigint): string {
  return value.toString(16).padStart(64, '0');
}

export function b64u(data: Uint8Array | string): string {
  return Buffer.from(data).toString('base64url');
}

/** The even y of the point with this x, or undefined when x³ + 7 has no square root mod p (or x ≥ p). */
export function evenY(xOnlyHex: string): bigint | undefined {
  const x = BigInt('0x' + xOnlyHex);
  if (x >= P) return undefined;
  const rhs = (modPow(x, 3n, P) + 7n) % P;
  const y = modPow(rhs, (P + 1n) / 4n, P); // p ≡ 3 (mod 4)
  if ((y * y) % P !== rhs) return undefined;
  return y % 2n === 0n ? y : P - y;
}

/** SEC1 compressed point of a secret (OpenSSL's scalar multiplication). */
export function compressedPointOf(secretHex: string): Buffer {
  const ecdh = createECDH('secp256k1');
  ecdh.setPrivateKey(Buffer.from(secretHex, 'hex'));
  return ecdh.getPublicKey(null, 'compressed') as Buffer;
}

export function parityOf(secretHex: string): 'even' | 'odd' {
  return compressedPointOf(secretHex)[0] === 0x02 ? 'even' : 'odd';
}

export function xOnlyOf(secretHex: string): string {
  return compressedPointOf(secretHex).subarray(1).toString('hex');
}

/** The negation rule: the scalar whose point is the even-y lift of the secret's x-only key. */
export function evenYSigningSecret(secretHex: string): string {
  return parityOf(secretHex) === 'even' ? secretHex.toLowerCase() : toHex32(N - BigInt('0x' + secretHex));
}

/** Public JWK of the even-y lift of an x-only key (what jose and OpenSSL need). */
export function publicJwk(xOnlyHex: string): JsonWebKey {
  const y = evenY(xOnlyHex);
  if (y === undefined) throw new Error(`x ${xOnlyHex} is not on secp256k1`);
  return {
    kty: 'EC',
    crv: 'secp256k1',
    x: b64u(Buffer.from(xOnlyHex, 'hex')),
    y: b64u(Buffer.from(toHex32(y), 'hex')),
  };
}

/** Private JWK that signs for the even-y lift of the secret's x-only key. */
export function privateJwk(secretHex: string): JsonWebKey {
  const signing = evenYSigningSecret(secretHex);
  return { ...publicJwk(xOnlyOf(secretHex)), d: b64u(Buffer.from(signing, 'hex')) };
}

export function opensslPublicKey(xOnlyHex: string): KeyObject {
  return createPublicKey({ key: publicJwk(xOnlyHex), format: 'jwk' });
}

/** OpenSSL ECDSA-SHA256 verification of a compact JWS against an x-only key (no JWT rules at all). */
export function opensslVerifyToken(token: string, xOnlyHex: string): boolean {
  const lastDot = token.lastIndexOf('.');
  const signature = Buffer.from(token.slice(lastDot + 1), 'base64url');
  return opensslVerifyRaw(
    'sha256',
    Buffer.from(token.slice(0, lastDot), 'latin1'),
    { key: opensslPublicKey(xOnlyHex), dsaEncoding: 'ieee-p1363' },
    signature,
  );
}

/**
 * A compact JWS over arbitrary header and payload bytes, signed by OpenSSL (random nonce, so high-S
 * about half the time). Lets tests build tokens our issuer would never produce.
 */
export function opensslSignedToken(
  secretHex: string,
  header: string | Uint8Array,
  payload: string | Uint8Array,
): string {
  const signingInput = `${b64u(header)}.${b64u(payload)}`;
  const key = createPrivateKey({ key: privateJwk(secretHex), format: 'jwk' });
  const signature = opensslSignRaw('sha256', Buffer.from(signingInput, 'latin1'), { key, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${b64u(signature)}`;
}

export function signatureS(token: string): bigint {
  const signature = Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url');
  return BigInt('0x' + signature.subarray(32).toString('hex'));
}

export function isHighSToken(token: string): boolean {
  return signatureS(token) > N / 2n;
}

/** The other valid spelling of a token: the same r with s replaced by n − s. */
export function highSTwin(token: string): string {
  const lastDot = token.lastIndexOf('.');
  const signature = Buffer.from(token.slice(lastDot + 1), 'base64url');
  const twinS = N - BigInt('0x' + signature.subarray(32).toString('hex'));
  const twin = Buffer.concat([signature.subarray(0, 32), Buffer.from(toHex32(twinS), 'hex')]);
  return `${token.slice(0, lastDot)}.${b64u(twin)}`;
}

/** A secret scalar in [1, n-1] drawn from `randomBytes` (rejection sampling). */
export function randomSecretHex(randomBytes: (length: number) => Uint8Array): string {
  for (;;) {
    const candidate = BigInt('0x' + Buffer.from(randomBytes(32)).toString('hex'));
    if (candidate > 0n && candidate < N) return toHex32(candidate);
  }
}

/** A 64-hex x value that is not the x of any curve point (found by walking up from `startHex`). */
export function offCurveX(startHex: string): string {
  for (let x = BigInt('0x' + startHex); ; x++) {
    const hex = toHex32(x);
    if (evenY(hex) === undefined) return hex;
  }
}
