/**
 * Compact JWS parsing for ES256K (strict profile steps 2-6 and 8): everything that does not depend
 * on the verification key, so one parse can be checked against several keys.
 */
import { JwtAlgorithmNotAllowed, JwtHeaderInvalid, JwtMalformed } from '../errors.js';
import { decodeBase64url } from '../encoding/base64url.js';
import { parseStrictJsonObject, type JsonObject } from '../encoding/strict-json.js';

export const MAX_TOKEN_LENGTH = 4096;
export const ES256K_HEADER_SEGMENT = 'eyJhbGciOiJFUzI1NksifQ'; // {"alg":"ES256K"}

export interface ParsedJws {
  readonly header: JsonObject;
  /** ASCII bytes of `header.payload`, the signed input. */
  readonly signingInput: Buffer;
  readonly signature: Buffer;
  readonly payloadBytes: Buffer;
}

function describeValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function decodeSegment(segment: string, name: string): Buffer {
  const bytes = decodeBase64url(segment);
  if (!bytes) throw new JwtMalformed(`${name} segment is not canonical unpadded base64url`);
  return bytes;
}

/** The header every Portal token carries, decoded once: most tokens skip decoding and parsing it. */
const PORTAL_HEADER: JsonObject = Object.freeze({ alg: 'ES256K' });

function parseHeader(headerText: string): JsonObject {
  const parsed = parseStrictJsonObject(decodeSegment(headerText, 'header'));
  if ('problem' in parsed) throw new JwtMalformed(`header ${parsed.problem}`);
  return parsed.value;
}

/** Split and decode a compact JWS and check its header; throws typed errors only. */
export function parseJws(token: unknown): ParsedJws {
  if (typeof token !== 'string')
    throw new JwtMalformed(`token must be a string, got ${token === null ? 'null' : typeof token}`);
  if (token.length > MAX_TOKEN_LENGTH) {
    throw new JwtMalformed(`token is ${token.length} characters long; the limit is ${MAX_TOKEN_LENGTH}`);
  }
  const segments = token.split('.');
  if (segments.length !== 3)
    throw new JwtMalformed(`token has ${segments.length} segments; expected 3 (header.payload.signature)`);
  const [headerText, payloadText, signatureText] = segments as [string, string, string];
  if (headerText === '') throw new JwtMalformed('header segment is empty');
  if (payloadText === '') throw new JwtMalformed('payload segment is empty');
  const header = headerText === ES256K_HEADER_SEGMENT ? PORTAL_HEADER : parseHeader(headerText);
  const payloadBytes = decodeSegment(payloadText, 'payload');
  const signature = decodeSegment(signatureText, 'signature');

  if (header.alg !== 'ES256K') {
    throw new JwtAlgorithmNotAllowed(
      'alg' in header
        ? `header alg ${describeValue(header.alg)} is not allowed; only "ES256K" is`
        : 'header has no "alg"; only "ES256K" is allowed',
    );
  }
  if ('crit' in header) throw new JwtHeaderInvalid('header member "crit" is not supported');
  if ('cty' in header) throw new JwtHeaderInvalid('header member "cty" is not supported (claims must be plain JSON)');
  for (const name of ['typ', 'kid'] as const) {
    if (name in header && typeof header[name] !== 'string')
      throw new JwtHeaderInvalid(`header member "${name}" must be a string`);
  }
  return {
    header,
    signingInput: Buffer.from(token.slice(0, headerText.length + 1 + payloadText.length), 'latin1'),
    signature,
    payloadBytes,
  };
}

/** The payload's strict JSON parse, done once, whether or not it succeeded. */
export type PayloadParse = ReturnType<typeof parseStrictJsonObject>;

/** Payload as a strict JSON object (step 8), after the signature has been checked. */
export function parsePayload(jws: ParsedJws): JsonObject {
  return payloadValue(parseStrictJsonObject(jws.payloadBytes));
}

/** The object of a payload parsed before (step 8); throws JwtMalformed when it did not parse. */
export function payloadValue(parsed: PayloadParse): JsonObject {
  if ('problem' in parsed) throw new JwtMalformed(`payload ${parsed.problem}`);
  return parsed.value;
}
