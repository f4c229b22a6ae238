/**
 * issueJwt: Portal-format ES256K tokens. With no extra claims the output is byte-identical to the
 * Portal SDK's: header {"alg":"ES256K"}, claims exp, nbf, iat, target_key in that order, RFC 6979
 * nonce, low-S, and the negation rule for secrets whose point has odd y. Synchronous.
 */
import { InvalidArgument } from '../errors.js';
import { encodeBase64url } from '../encoding/base64url.js';
import { MAX_TIME_VALUE, nowSeconds } from '../keys/clock.js';
import { signEs256k, signingKey } from '../keys/es256k.js';
import { ES256K_HEADER_SEGMENT } from './jws.js';
import { normalizePublicKey, secretKeyBytes } from '../keys/nostr-keys.js';

const PORTAL_CLAIMS = new Set(['exp', 'nbf', 'iat', 'target_key']);

export interface IssueOptions {
  /** Issue time in Unix seconds (truncated toward zero); default: now. */
  now?: number;
  /** Claims appended after Portal's four, in insertion order (e.g. `jti`, `permissions`). */
  extraClaims?: Record<string, unknown>;
}

export interface IssueForSecondsOptions extends IssueOptions {
  /** Lifetime in whole seconds (> 0). */
  ttlSec: number;
}

/** A signer bound to one secret key: parses the key once, then issues many tokens. */
export interface JwtIssuer {
  /** x-only public key of the signer, 64 lower-case hex chars. */
  readonly publicKey: string;
  issue(targetKey: string, options: IssueForSecondsOptions): string;
}

function checkTime(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 0)
    throw new InvalidArgument(`${name} must be a non-negative number of seconds`);
  const seconds = Math.trunc(value);
  if (seconds > MAX_TIME_VALUE) throw new InvalidArgument(`${name} is after ${MAX_TIME_VALUE} (year 9999)`);
  return seconds;
}

function encodeClaim(name: string, value: unknown): string {
  let encoded: string | undefined;
  try {
    encoded = JSON.stringify(value);
  } catch {
    // BigInt, cycles and throwing toJSON methods make JSON.stringify throw a TypeError of its own.
    throw new InvalidArgument(`extra claim "${name}" is not JSON-serialisable`);
  }
  if (encoded === undefined) throw new InvalidArgument(`extra claim "${name}" is not JSON-serialisable`);
  return encoded;
}

function claimsJson(targetKey: string, iat: number, exp: number, extra: Record<string, unknown> | undefined): string {
  // Built by hand so that member order and number spelling match the reference byte for byte.
  let json = `{"exp":${exp},"nbf":${iat},"iat":${iat},"target_key":"${targetKey}"`;
  if (extra !== undefined) {
    if (typeof extra !== 'object' || extra === null || Array.isArray(extra))
      throw new InvalidArgument('extraClaims must be a plain object');
    for (const [name, value] of Object.entries(extra)) {
      if (PORTAL_CLAIMS.has(name)) throw new InvalidArgument(`extra claim "${name}" would override a Portal claim`);
      json += `,${JSON.stringify(name)}:${encodeClaim(name, value)}`;
    }
  }
  return json + '}';
}

export function createJwtIssuer(secretKey: string | Uint8Array): JwtIssuer {
  const { scalar, xOnly } = signingKey(secretKeyBytes(secretKey));
  return {
    publicKey: Buffer.from(xOnly).toString('hex'),
    issue(targetKey, { ttlSec, now, extraClaims }) {
      if (!Number.isInteger(ttlSec) || ttlSec <= 0)
        throw new InvalidArgument('token lifetime must be a positive whole number of seconds');
      const iat = checkTime(now ?? nowSeconds(), 'now');
      const exp = checkTime(iat + ttlSec, 'exp');
      const target = normalizePublicKey(targetKey, 'target key');
      const signingInput = `${ES256K_HEADER_SEGMENT}.${encodeBase64url(claimsJson(target, iat, exp, extraClaims))}`;
      const signature = signEs256k(Buffer.from(signingInput, 'latin1'), scalar);
      return `${signingInput}.${encodeBase64url(signature)}`;
    },
  };
}

/**
 * Issue a Portal JWT signed by `secretKey` (64 hex or nsec) for `targetKey` (64 hex or npub),
 * valid for `durationHours` (may be fractional; the lifetime is rounded to whole seconds).
 */
export function issueJwt(
  secretKey: string,
  targetKey: string,
  durationHours: number,
  options: IssueOptions = {},
): string {
  if (typeof durationHours !== 'number' || !Number.isFinite(durationHours) || durationHours <= 0) {
    throw new InvalidArgument('durationHours must be a positive finite number');
  }
  return createJwtIssuer(secretKey).issue(targetKey, {
    ...options,
    ttlSec: Math.max(1, Math.round(durationHours * 3600)),
  });
}
