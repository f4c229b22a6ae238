/**
 * Portal subkeys (docs/protocol.md section 5): a child key is the main key plus a tweak derived from public
 * metadata, so anyone holding the main x-only key can check that a key is one of its subkeys.
 */
import { createHash } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';

export type SubkeyPermission = 'auth' | 'payment';

export interface SubkeyMetadata {
  name: string;
  /** 32 bytes as 64 lower-case hex chars. */
  nonce: string;
  validFromSec: number;
  expiresAtSec: number;
  permissions: SubkeyPermission[];
  /** 0-255. */
  version: number;
}

export interface SubkeyProof {
  /** x-only main key, 64 lower-case hex chars. */
  mainKey: string;
  metadata: SubkeyMetadata;
}

const PERMISSION_BITS: Record<SubkeyPermission, number> = { auth: 0x01, payment: 0x02 };
const Point = secp256k1.Point;
const ORDER = Point.Fn.ORDER;

function sha256(...parts: Uint8Array[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

const TAG_HASH = sha256(Buffer.from('Portal/Subkey'));

/** version ‖ name length (u16 LE) ‖ name ‖ nonce ‖ valid_from (u64 LE) ‖ expires_at (u64 LE) ‖ permission bits. */
export function subkeyCanonicalBytes(metadata: SubkeyMetadata): Uint8Array {
  const name = Buffer.from(metadata.name, 'utf8');
  const out = Buffer.alloc(1 + 2 + name.length + 32 + 8 + 8 + 1);
  let at = out.writeUInt8(metadata.version, 0);
  at = out.writeUInt16LE(name.length, at);
  at += name.copy(out, at);
  at += Buffer.from(metadata.nonce, 'hex').copy(out, at);
  at = out.writeBigUInt64LE(BigInt(metadata.validFromSec), at);
  at = out.writeBigUInt64LE(BigInt(metadata.expiresAtSec), at);
  out.writeUInt8(
    metadata.permissions.reduce((bits, p) => bits | PERMISSION_BITS[p], 0),
    at,
  );
  return out;
}

/** The tweak t = SHA256(tag ‖ tag ‖ canonical bytes) as a scalar; undefined in the (negligible) case t ≥ n. */
export function subkeyTweak(metadata: SubkeyMetadata): bigint | undefined {
  const tweak = BigInt(`0x${sha256(TAG_HASH, TAG_HASH, subkeyCanonicalBytes(metadata)).toString('hex')}`);
  return tweak < ORDER ? tweak : undefined;
}

/** x-only key of the subkey: x of lift(mainKey) + t·G; undefined when the main key is not on the curve. */
export function deriveSubkeyPublicKey(mainKey: string, metadata: SubkeyMetadata): string | undefined {
  const tweak = subkeyTweak(metadata);
  if (tweak === undefined) return undefined;
  let main;
  try {
    main = Point.fromHex(`02${mainKey}`);
  } catch {
    return undefined;
  }
  const child = tweak === 0n ? main : main.add(Point.BASE.multiply(tweak));
  if (child.is0()) return undefined;
  return child.toAffine().x.toString(16).padStart(64, '0');
}

/** Does `proof` show that `presentingKey` (x-only hex) is a subkey of `proof.mainKey`? (derivation only, as the reference) */
export function verifySubkeyProof(proof: SubkeyProof, presentingKey: string): boolean {
  return deriveSubkeyPublicKey(proof.mainKey, proof.metadata) === presentingKey.toLowerCase();
}

/**
 * Stricter than the reference (docs/protocol.md 6.5), which ignores these: a subkey may sign a login only
 * inside its validity window and with the `auth` permission.
 */
export function subkeyAllowsLogin(metadata: SubkeyMetadata, nowSec: number): boolean {
  return metadata.permissions.includes('auth') && metadata.validFromSec <= nowSec && nowSec <= metadata.expiresAtSec;
}
