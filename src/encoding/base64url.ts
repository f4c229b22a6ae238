/**
 * Strict unpadded base64url (RFC 4648 section 5). Only the canonical spelling of some bytes is
 * accepted: alphabet `A-Z a-z 0-9 - _`, no padding or whitespace, length mod 4 ≠ 1 and zero unused
 * trailing bits (re-encoding the bytes gives back the same text).
 */
const ALPHABET = /^[A-Za-z0-9_-]*$/;

export function encodeBase64url(data: Uint8Array | string): string {
  return Buffer.from(data).toString('base64url');
}

/** Decoded bytes, or undefined when `text` is not canonical unpadded base64url. */
export function decodeBase64url(text: string): Buffer | undefined {
  if (text.length % 4 === 1 || !ALPHABET.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  // Node's decoder ignores non-zero unused trailing bits; re-encoding exposes them.
  if (bytes.toString('base64url') !== text) return undefined;
  return bytes;
}
