/**
 * verifyJwt: the strict verification profile for Portal ES256K tokens. Synchronous; throws only
 * JwtError subclasses (or KeyInvalid for a bad issuer key), whatever the input.
 */
import { JwtSignatureInvalid } from '../errors.js';
import { checkClaimTimes, validateClaims, type PortalClaims, type TimeOptions } from './claims.js';
import { defaultBackend, signatureScalarsInRange, type Es256kBackend, type LiftedKey } from '../keys/es256k.js';
import { parseJws, parsePayload, type ParsedJws } from './jws.js';
import { parsePublicKey } from '../keys/nostr-keys.js';

export type VerifyOptions = TimeOptions;

/** Step 7's checks that need no key: a 64-byte r||s signature with both scalars in range. */
export function checkSignatureShape(signature: Uint8Array): void {
  if (signature.length !== 64)
    throw new JwtSignatureInvalid(`signature is ${signature.length} bytes; expected 64 (r||s)`);
  if (!signatureScalarsInRange(signature))
    throw new JwtSignatureInvalid('signature r or s is zero or not below the curve order');
}

export const SIGNATURE_MISMATCH = 'signature does not verify with the issuer key';

/** Step 7: a 64-byte r||s signature, both scalars in range, valid for `key` (high-S accepted). */
export function checkSignature(jws: ParsedJws, key: LiftedKey, backend: Es256kBackend = defaultBackend): void {
  checkSignatureShape(jws.signature);
  if (!backend.verify(jws.signingInput, jws.signature, key)) throw new JwtSignatureInvalid(SIGNATURE_MISMATCH);
}

/** Steps 2-9 for one key: everything but the time checks (what a verified-token cache may keep). */
export function verifyJwtSignature(
  token: unknown,
  key: LiftedKey,
  backend: Es256kBackend = defaultBackend,
): PortalClaims {
  const jws = parseJws(token);
  checkSignature(jws, key, backend);
  return validateClaims(parsePayload(jws));
}

/** Parsed issuer key from hex or npub. Throws KeyInvalid (category bad_key). */
export function issuerKey(publicKey: unknown): LiftedKey {
  return parsePublicKey(publicKey, 'issuer public key');
}

/**
 * Verify a Portal JWT signed by `publicKey` (64 hex, either case, or npub) and return its claims.
 * Checks, in order: key, size, structure, header, algorithm, signature, claims, `exp`, `nbf`.
 */
export function verifyJwt(publicKey: string, token: string, options?: VerifyOptions): PortalClaims {
  const claims = verifyJwtSignature(token, issuerKey(publicKey));
  checkClaimTimes(claims, options);
  return claims;
}
