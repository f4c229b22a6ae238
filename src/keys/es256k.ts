/**
 * secp256k1 ECDSA for ES256K. The only module that imports curve libraries.
 *
 * Two backends, chosen once at load:
 * - `native`: libsecp256k1 through the `secp256k1` package's prebuilt binding (the same library Portal
 *   uses: RFC 6979 nonces, low-S output). About 7x OpenSSL for verification.
 * - `portable`: `node:crypto` (OpenSSL) verifies and validates points, `@noble/curves` signs (RFC 6979,
 *   low-S: byte-identical to libsecp256k1). Used when the binding cannot load, or when
 *   PORTAL_GATEWAY_CRYPTO=portable.
 * Both are covered by the same tests.
 */
import { ECDH, createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { secp256k1 } from '@noble/curves/secp256k1.js';

/** secp256k1 group order n, big-endian. */
const ORDER = Buffer.from('fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141', 'hex');
const ORDER_BIG = BigInt('0x' + ORDER.toString('hex'));
const HALF_ORDER_BIG = ORDER_BIG >> 1n;

/** SPKI DER prefix for a compressed secp256k1 point (id-ecPublicKey, secp256k1). */
const SPKI_PREFIX = Buffer.from('3036301006072a8648ce3d020106052b8104000a032200', 'hex');

/** A verification key: an x-only key lifted to the even-y point, with backend caches. */
export interface LiftedKey {
  /** x-only key, 64 lower-case hex chars. */
  readonly xOnlyHex: string;
  /** SEC1 compressed point, 0x02 || x. */
  readonly compressed: Uint8Array;
  /** OpenSSL key object, built on first use by the portable backend. */
  keyObject?: KeyObject;
  /** SEC1 uncompressed point: found by the lift, which decompresses to check the point (`uncompressedKey`). */
  uncompressed?: Uint8Array;
}

export interface Es256kBackend {
  readonly name: 'native' | 'portable';
  /** ECDSA over SHA-256(signingInput); `signature` is 64 bytes r||s, high-S accepted. */
  verify(signingInput: Uint8Array, signature: Uint8Array, key: LiftedKey): boolean;
  /** Deterministic (RFC 6979) low-S signature over a 32-byte digest, returned as 64 bytes r||s. */
  signDigest(digest: Uint8Array, scalar: Uint8Array): Uint8Array;
  /** The SEC1 uncompressed point (65 bytes) of `compressed` (33 bytes); undefined when it is not a curve point. */
  decompress(compressed: Uint8Array): Uint8Array | undefined;
  /** SEC1 compressed point (33 bytes) of a scalar in [1, n-1]. */
  publicKeyCreate(scalar: Uint8Array): Uint8Array;
  /**
   * ECDSA public-key recovery: the SEC1 compressed point (33 bytes) for which the 64-byte r||s
   * `signature` over `digest` verifies, with the nonce point's y parity `recoveryBit`; undefined when
   * there is no such point (r is not the x of a curve point). High-S is accepted.
   */
  recover(digest: Uint8Array, signature: Uint8Array, recoveryBit: 0 | 1): Uint8Array | undefined;
}

interface NativeBinding {
  ecdsaVerify(sig: Uint8Array, msg32: Uint8Array, pubkey: Uint8Array): boolean;
  ecdsaSign(msg32: Uint8Array, seckey: Uint8Array): { signature: Uint8Array; recid: number };
  signatureNormalize(sig: Uint8Array): Uint8Array;
  publicKeyCreate(seckey: Uint8Array, compressed: boolean): Uint8Array;
  publicKeyConvert(pubkey: Uint8Array, compressed: boolean): Uint8Array;
  /** Throws when recovery fails. */
  ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed: boolean): Uint8Array;
}

function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

interface LoadedBinding {
  binding: NativeBinding;
  /** Absolute path of the binding's entry point, for worker threads that load it too. */
  path: string;
}

function loadNativeBinding(): LoadedBinding | undefined {
  if (process.env.PORTAL_GATEWAY_CRYPTO === 'portable') return undefined;
  try {
    // The binding entry point only; the package's own fallback (elliptic) is slower than ours.
    const require = createRequire(import.meta.url);
    const path = require.resolve('secp256k1/bindings');
    return { binding: require(path) as NativeBinding, path };
  } catch {
    return undefined;
  }
}

/** libsecp256k1 ECDSA over SHA-256(signingInput) for a 65-byte uncompressed key; high-S accepted. */
function nativeVerifier(binding: NativeBinding) {
  return (signingInput: Uint8Array, signature: Uint8Array, uncompressedKey: Uint8Array): boolean => {
    // libsecp256k1 rejects high-S; Portal, OpenSSL and jose accept it, so normalise a copy first.
    const sig = Uint8Array.from(signature);
    binding.signatureNormalize(sig); // throws on r or s out of range
    return binding.ecdsaVerify(sig, sha256(signingInput), uncompressedKey);
  };
}

function createNativeBackend(binding: NativeBinding): Es256kBackend {
  const verify = nativeVerifier(binding);
  return {
    name: 'native',
    verify(signingInput, signature, key) {
      return verify(signingInput, signature, uncompressedKey(key));
    },
    signDigest(digest, scalar) {
      return binding.ecdsaSign(digest, scalar).signature;
    },
    decompress(compressed) {
      try {
        return binding.publicKeyConvert(compressed, false);
      } catch {
        return undefined; // not a curve point
      }
    },
    publicKeyCreate(scalar) {
      return binding.publicKeyCreate(scalar, true);
    },
    recover(digest, signature, recoveryBit) {
      // s and n − s recover the same pair of keys with swapped bits (n − s negates the nonce point),
      // so normalising keeps the answer set while meeting libsecp256k1's low-S expectations.
      try {
        const sig = Uint8Array.from(signature);
        binding.signatureNormalize(sig); // throws, like the recovery, on r or s out of range
        return binding.ecdsaRecover(sig, recoveryBit, digest, true);
      } catch {
        return undefined;
      }
    },
  };
}

const portableBackend: Es256kBackend = {
  name: 'portable',
  verify(signingInput, signature, key) {
    key.keyObject ??= createPublicKey({
      key: Buffer.concat([SPKI_PREFIX, key.compressed]),
      format: 'der',
      type: 'spki',
    });
    return cryptoVerify('sha256', signingInput, { key: key.keyObject, dsaEncoding: 'ieee-p1363' }, signature);
  },
  signDigest(digest, scalar) {
    return secp256k1.sign(digest, scalar, { prehash: false, lowS: true });
  },
  decompress(compressed) {
    // OpenSSL decompresses (and so validates) a point about 2.5x faster than @noble/curves.
    try {
      return ECDH.convertKey(compressed, 'secp256k1', undefined, undefined, 'uncompressed') as Buffer;
    } catch {
      return undefined;
    }
  },
  publicKeyCreate(scalar) {
    return secp256k1.getPublicKey(scalar, true);
  },
  recover(digest, signature, recoveryBit) {
    // Normalised to low-S like the native backend, so both number the two candidates alike.
    try {
      let parsed = secp256k1.Signature.fromBytes(signature, 'compact');
      if (parsed.hasHighS()) parsed = new secp256k1.Signature(parsed.r, ORDER_BIG - parsed.s);
      return parsed.addRecoveryBit(recoveryBit).recoverPublicKey(digest).toBytes(true);
    } catch {
      return undefined;
    }
  },
};

const native = loadNativeBinding();

/** Every backend that loaded here, fastest first. */
export const availableBackends: readonly Es256kBackend[] = native
  ? [createNativeBackend(native.binding), portableBackend]
  : [portableBackend];

/**
 * The native backend's verification on raw bytes, and where its binding lives, for the verify pool's
 * worker threads; undefined when the native backend is not in use (unavailable, or portable forced).
 */
export const nativeVerify = native && nativeVerifier(native.binding);
export const nativeBindingPath = native?.path;

/** The key's SEC1 uncompressed point (65 bytes), derived once: parsing it needs no square root. */
export function uncompressedKey(key: LiftedKey): Uint8Array {
  key.uncompressed ??= ECDH.convertKey(key.compressed, 'secp256k1', undefined, undefined, 'uncompressed') as Buffer;
  return key.uncompressed;
}

/** The backend used by default: libsecp256k1 when its binding loads, else the portable one. */
export const defaultBackend: Es256kBackend = availableBackends[0]!;

/** True when the 32 big-endian bytes are a scalar in [1, n-1]. */
export function isValidScalar(bytes: Uint8Array): boolean {
  if (bytes.length !== 32) return false;
  let nonZero = false;
  for (const b of bytes) if (b !== 0) nonZero = true;
  return nonZero && Buffer.compare(bytes, ORDER) < 0;
}

/** Lift a 32-byte x coordinate to the even-y point; undefined when no such point exists. */
export function liftXOnly(xOnly: Uint8Array, backend: Es256kBackend = defaultBackend): LiftedKey | undefined {
  if (xOnly.length !== 32) return undefined;
  const compressed = new Uint8Array(33);
  compressed[0] = 0x02;
  compressed.set(xOnly, 1);
  // Checking the point decompresses it: kept, so that verifying with the key needs no second square root.
  const uncompressed = backend.decompress(compressed);
  if (!uncompressed) return undefined;
  return { xOnlyHex: Buffer.from(xOnly).toString('hex'), compressed, uncompressed };
}

/** x-only public key of a secret scalar. */
export function xOnlyPublicKey(secret: Uint8Array): Uint8Array {
  // Through the backend: libsecp256k1 derives a point about 15x faster than @noble/curves.
  return defaultBackend.publicKeyCreate(secret).subarray(1);
}

/** What an issuer needs from its secret: the scalar it signs with and its x-only public key. */
export interface SigningKey {
  scalar: Uint8Array;
  xOnly: Uint8Array;
}

/**
 * The signing key of a secret, deriving its point once. The scalar follows the negation rule:
 * the secret itself when d·G has even y, else n − d (which signs for the even-y lift).
 */
export function signingKey(secret: Uint8Array): SigningKey {
  const point = defaultBackend.publicKeyCreate(secret);
  const xOnly = point.subarray(1);
  if (point[0] === 0x02) return { scalar: Uint8Array.from(secret), xOnly };
  const negated = ORDER_BIG - BigInt('0x' + Buffer.from(secret).toString('hex'));
  return { scalar: Buffer.from(negated.toString(16).padStart(64, '0'), 'hex'), xOnly };
}

/** The scalar that signs for the even-y lift of the secret's x-only key (the negation rule). */
export function signingScalar(secret: Uint8Array): Uint8Array {
  return signingKey(secret).scalar;
}

/** A fresh random secret scalar. */
export function randomSecret(): Uint8Array {
  return secp256k1.utils.randomSecretKey();
}

/** SHA-256 then sign: the ES256K signature over a JWS signing input. */
export function signEs256k(
  signingInput: Uint8Array,
  scalar: Uint8Array,
  backend: Es256kBackend = defaultBackend,
): Uint8Array {
  return backend.signDigest(sha256(signingInput), scalar);
}

/**
 * The points a 64-byte r||s ES256K signature over a JWS signing input could have come from (SEC1
 * compressed, one per recovery bit that yields a point; at most two). Recovery ids 2 and 3 (nonce
 * x ≥ n) are left out: they occur with probability about 2^-128 and libsecp256k1 never signs one.
 */
export function recoverEs256k(
  signingInput: Uint8Array,
  signature: Uint8Array,
  backend: Es256kBackend = defaultBackend,
): Uint8Array[] {
  const digest = sha256(signingInput);
  const points: Uint8Array[] = [];
  for (const bit of [0, 1] as const) {
    const point = backend.recover(digest, signature, bit);
    if (point) points.push(point);
  }
  return points;
}

/** Signature scalars r and s are each in [1, n-1] (64-byte r||s). */
export function signatureScalarsInRange(signature: Uint8Array): boolean {
  return signature.length === 64 && isValidScalar(signature.subarray(0, 32)) && isValidScalar(signature.subarray(32));
}

/** True when s > n/2 (the signature has a high-S twin spelling). Used by tests and tooling. */
export function isHighS(signature: Uint8Array): boolean {
  return BigInt('0x' + Buffer.from(signature.subarray(32)).toString('hex')) > HALF_ORDER_BIG;
}

/** Which backend verifies and signs in this process: `native` (libsecp256k1) or `portable`. */
export const cryptoBackendName: Es256kBackend['name'] = defaultBackend.name;
