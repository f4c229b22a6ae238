/**
 * Nostr keys: x-only public keys (64 hex / npub) and secret keys (64 hex / nsec).
 * Parsing functions throw KeyInvalid with a message that says what is wrong, never echoing a secret.
 */
import { decode as nip19Decode, npubEncode, nsecEncode } from 'nostr-tools/nip19';
import { KeyInvalid } from '../errors.js';
import { defaultBackend, isValidScalar, liftXOnly, randomSecret, xOnlyPublicKey, type LiftedKey } from './es256k.js';

const HEX64 = /^[0-9a-fA-F]{64}$/;

export interface KeyPair {
  /** Secret key, 64 lower-case hex chars. */
  secretKey: string;
  /** x-only public key, 64 lower-case hex chars. */
  publicKey: string;
  npub: string;
  nsec: string;
}

function describe(input: unknown): string {
  if (typeof input !== 'string') return `a ${input === null ? 'null' : typeof input}`;
  return `a string of ${input.length} characters`;
}

function decodeBech32(input: string, prefix: 'npub' | 'nsec'): unknown {
  try {
    const decoded = nip19Decode(input);
    return decoded.type === prefix ? decoded.data : undefined;
  } catch {
    return undefined;
  }
}

/** 32 x-only bytes of a public key given as 64 hex chars (either case), `npub1…` or `nostr:npub1…`. */
function publicKeyBytes(input: unknown, what: string): Uint8Array {
  if (typeof input === 'string') {
    if (HEX64.test(input)) return Buffer.from(input, 'hex');
    const bech = input.startsWith('nostr:') ? input.slice(6) : input;
    if (bech.startsWith('npub1')) {
      const data = decodeBech32(bech, 'npub');
      if (typeof data === 'string' && HEX64.test(data)) return Buffer.from(data, 'hex');
      throw new KeyInvalid(`${what} is not a valid npub (bad bech32 checksum or length)`);
    }
  }
  throw new KeyInvalid(`${what} must be 64 hex characters or an npub1… string; got ${describe(input)}`);
}

/** Parse and check a public key; returns its lifted (even-y) point. */
export function parsePublicKey(input: unknown, what = 'public key'): LiftedKey {
  const lifted = liftXOnly(publicKeyBytes(input, what), defaultBackend);
  if (!lifted) throw new KeyInvalid(`${what} is not the x coordinate of a secp256k1 point`);
  return lifted;
}

/** Normalised x-only public key (64 lower-case hex) from hex or npub; throws KeyInvalid. */
export function normalizePublicKey(input: unknown, what = 'public key'): string {
  return parsePublicKey(input, what).xOnlyHex;
}

/** Is `input` a valid public key (hex or npub, on the curve)? */
export function isValidPublicKey(input: unknown): boolean {
  try {
    parsePublicKey(input);
    return true;
  } catch {
    return false;
  }
}

/** 32 secret bytes from 64 hex chars or `nsec1…`; throws KeyInvalid without echoing the input. */
export function parseSecretKey(input: unknown, what = 'secret key'): Uint8Array {
  let bytes: Uint8Array | undefined;
  if (typeof input === 'string') {
    const text = input.trim();
    if (HEX64.test(text)) bytes = Buffer.from(text, 'hex');
    else if (text.startsWith('nsec1')) {
      const data = decodeBech32(text, 'nsec');
      if (!(data instanceof Uint8Array))
        throw new KeyInvalid(`${what} is not a valid nsec (bad bech32 checksum or length)`);
      bytes = data;
    }
  }
  if (!bytes) throw new KeyInvalid(`${what} must be 64 hex characters or an nsec1… string; got ${describe(input)}`);
  if (!isValidScalar(bytes)) throw new KeyInvalid(`${what} is out of range (zero or not below the curve order)`);
  return bytes;
}

/** A copy of the 32 secret bytes given as hex, nsec or bytes; throws KeyInvalid like parseSecretKey. */
export function secretKeyBytes(secretKey: unknown, what = 'secret key'): Uint8Array {
  if (!(secretKey instanceof Uint8Array)) return parseSecretKey(secretKey, what);
  // Bytes skip the text parser, so the range check must happen here before any curve code sees them.
  if (secretKey.length !== 32) throw new KeyInvalid(`${what} must be 32 bytes; got ${secretKey.length}`);
  if (!isValidScalar(secretKey)) throw new KeyInvalid(`${what} is out of range (zero or not below the curve order)`);
  return Uint8Array.from(secretKey);
}

/** x-only public key (hex) of a secret key given as hex, nsec or bytes. */
export function getPublicKey(secretKey: string | Uint8Array): string {
  return Buffer.from(xOnlyPublicKey(secretKeyBytes(secretKey))).toString('hex');
}

export function generateKeyPair(): KeyPair {
  const secret = randomSecret();
  const publicKey = getPublicKey(secret);
  return {
    secretKey: Buffer.from(secret).toString('hex'),
    publicKey,
    npub: npubEncode(publicKey),
    nsec: nsecEncode(secret),
  };
}

/** npub of a public key given as hex or npub. */
export function toNpub(publicKey: string): string {
  return npubEncode(normalizePublicKey(publicKey));
}

/** nsec of a secret key given as hex or nsec. */
export function toNsec(secretKey: string): string {
  return nsecEncode(parseSecretKey(secretKey));
}
