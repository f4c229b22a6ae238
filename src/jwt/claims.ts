/** Portal claims: the strict claim rules (docs/protocol.md 2.5 step 9) and the time checks (steps 10-11). */
import { JwtClaimsInvalid, JwtExpired, JwtNotYetValid } from '../errors.js';
import { defaultBackend, liftXOnly } from '../keys/es256k.js';
import type { JsonObject } from '../encoding/strict-json.js';
import { MAX_TIME_VALUE, nowSeconds } from '../keys/clock.js';

export const DEFAULT_CLOCK_TOLERANCE_SEC = 60;

export interface PortalClaims {
  /** Expiry, Unix seconds. */
  exp: number;
  /** Not before, Unix seconds. */
  nbf?: number;
  /** Issued at, Unix seconds. */
  iat?: number;
  /** The other party of the token: x-only key, 64 lower-case hex chars. */
  target_key: string;
  /** Permissions granted to the bearer (checked to be strings). */
  permissions?: string[];
  /** Extra claims (e.g. `jti`, `permissions`), passed through as parsed. */
  [claim: string]: unknown;
}

export interface TimeOptions {
  /** Unix seconds to evaluate the token at; default: the current time. */
  now?: number;
  /** Allowed clock skew in seconds for `exp` and `nbf`; default 60. */
  clockToleranceSec?: number;
}

const TARGET_KEY = /^[0-9a-f]{64}$/;
const TIME_CLAIMS = ['exp', 'nbf', 'iat'] as const;

/** Is this x-only key (64 lower-case hex) the x coordinate of a secp256k1 point? */
export type CurvePointCheck = (xOnlyHex: string) => boolean;

export const isCurvePoint: CurvePointCheck = (xOnlyHex) =>
  liftXOnly(Buffer.from(xOnlyHex, 'hex'), defaultBackend) !== undefined;

/** Check the claim types and values; returns the payload typed as Portal claims. */
export function validateClaims(payload: JsonObject, onCurve: CurvePointCheck = isCurvePoint): PortalClaims {
  if (!('exp' in payload)) throw new JwtClaimsInvalid('claim "exp" is missing');
  for (const name of TIME_CLAIMS) {
    if (!(name in payload)) continue;
    const value = payload[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_TIME_VALUE) {
      throw new JwtClaimsInvalid(`claim "${name}" must be an integer number of seconds in [0, ${MAX_TIME_VALUE}]`);
    }
  }
  const targetKey = payload.target_key;
  if (typeof targetKey !== 'string' || !TARGET_KEY.test(targetKey)) {
    throw new JwtClaimsInvalid('claim "target_key" must be 64 lower-case hex characters');
  }
  if (!onCurve(targetKey)) {
    throw new JwtClaimsInvalid('claim "target_key" is not the x coordinate of a secp256k1 point');
  }
  // Routes grant access by it: a malformed one is an error, never read as "no permissions".
  const permissions = payload.permissions;
  if (permissions !== undefined && !(Array.isArray(permissions) && permissions.every((p) => typeof p === 'string'))) {
    throw new JwtClaimsInvalid('claim "permissions" must be an array of strings');
  }
  return payload as PortalClaims;
}

/** `now < exp + tolerance` and, when present, `nbf <= now + tolerance`. */
export function checkClaimTimes(claims: PortalClaims, options: TimeOptions = {}): void {
  checkTimesAt(claims, options.now ?? nowSeconds(), options.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC);
}

/** `checkClaimTimes` with its two values given: nothing allocated on a verifier's cache hit. */
export function checkTimesAt(claims: PortalClaims, now: number, tolerance: number): void {
  if (!(now < claims.exp + tolerance)) {
    throw new JwtExpired(`token expired at ${claims.exp} (now ${now}, tolerance ${tolerance} s)`);
  }
  if (claims.nbf !== undefined && !(claims.nbf <= now + tolerance)) {
    throw new JwtNotYetValid(`token is not valid before ${claims.nbf} (now ${now}, tolerance ${tolerance} s)`);
  }
}
