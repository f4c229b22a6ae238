/**
 * Signer recovery for wallet-issued tokens (flow B): such a token names the gateway in `target_key`
 * but not its signer. ECDSA lets the signer's key be computed from the signature; finding a
 * signature that recovers to a chosen key is as hard as forging one for that key.
 */
import {
  defaultBackend,
  recoverEs256k,
  signatureScalarsInRange,
  type Es256kBackend,
  type LiftedKey,
} from '../keys/es256k.js';
import { parseJws, type ParsedJws } from './jws.js';

/**
 * The keys that may have signed a parsed JWS, as even-y lifted keys (at most two, distinct); empty
 * when the signature is not 64 bytes with r and s in [1, n-1], or recovers to no point. A recovered
 * point with odd y is left out: Portal verifies against the even-y lift of an x-only key (the
 * negation rule), so no Portal signer signs for an odd-y point. Each key returned verifies the
 * signature by construction.
 */
export function recoverSigners(jws: ParsedJws, backend: Es256kBackend = defaultBackend): LiftedKey[] {
  if (!signatureScalarsInRange(jws.signature)) return [];
  const signers: LiftedKey[] = [];
  for (const point of recoverEs256k(jws.signingInput, jws.signature, backend)) {
    if (point[0] !== 0x02) continue;
    const xOnlyHex = Buffer.from(point.subarray(1)).toString('hex');
    if (signers.some((key) => key.xOnlyHex === xOnlyHex)) continue;
    signers.push({ xOnlyHex, compressed: Uint8Array.from(point) });
  }
  return signers;
}

/**
 * The x-only keys (64 lower-case hex) that may have signed `token`, after the structural checks of
 * the strict profile (size, segments, base64url, header); throws their typed errors. Claims and
 * times are not checked: pair this with verifyJwt against the key you accept.
 */
export function recoverJwtSigners(token: string, backend: Es256kBackend = defaultBackend): string[] {
  return recoverSigners(parseJws(token), backend).map((key) => key.xOnlyHex);
}
