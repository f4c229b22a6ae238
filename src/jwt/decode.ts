/** Decoding without verification, for debugging and tooling only: never trust its output. */
import { parseJws, parsePayload } from './jws.js';
import type { JsonObject } from '../encoding/strict-json.js';

export interface DecodedJwt {
  header: JsonObject;
  payload: JsonObject;
  /** Signature bytes as hex (64 bytes r||s for a well-formed token). */
  signature: string;
}

/** Parse a token's header and payload strictly, WITHOUT checking its signature or times. */
export function decodeJwtWithoutVerifying(token: string): DecodedJwt {
  const jws = parseJws(token);
  return { header: jws.header, payload: parsePayload(jws), signature: jws.signature.toString('hex') };
}
