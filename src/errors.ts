/**
 * One error family with stable string codes (in the manner of `jose`'s error classes).
 * Domain code throws these; `src/http/error-status.ts` maps every code to an HTTP status in one
 * table, so a new code without a status does not compile.
 */

export type ErrorCode =
  | 'ERR_JWT_MALFORMED'
  | 'ERR_JWT_ALG'
  | 'ERR_JWT_HEADER'
  | 'ERR_JWT_SIGNATURE'
  | 'ERR_JWT_CLAIMS'
  | 'ERR_JWT_EXPIRED'
  | 'ERR_JWT_NOT_YET_VALID'
  | 'ERR_KEY_INVALID'
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_CONFIG_INVALID';

export class GatewayError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Base of every token verification failure; `code` names the strict-profile category. */
export abstract class JwtError extends GatewayError {}

export class JwtMalformed extends JwtError {
  static readonly code = 'ERR_JWT_MALFORMED';
  constructor(message: string) {
    super(JwtMalformed.code, message);
  }
}

export class JwtAlgorithmNotAllowed extends JwtError {
  static readonly code = 'ERR_JWT_ALG';
  constructor(message: string) {
    super(JwtAlgorithmNotAllowed.code, message);
  }
}

export class JwtHeaderInvalid extends JwtError {
  static readonly code = 'ERR_JWT_HEADER';
  constructor(message: string) {
    super(JwtHeaderInvalid.code, message);
  }
}

export class JwtSignatureInvalid extends JwtError {
  static readonly code = 'ERR_JWT_SIGNATURE';
  constructor(message: string) {
    super(JwtSignatureInvalid.code, message);
  }
}

export class JwtClaimsInvalid extends JwtError {
  static readonly code = 'ERR_JWT_CLAIMS';
  constructor(message: string) {
    super(JwtClaimsInvalid.code, message);
  }
}

export class JwtExpired extends JwtError {
  static readonly code = 'ERR_JWT_EXPIRED';
  constructor(message: string) {
    super(JwtExpired.code, message);
  }
}

export class JwtNotYetValid extends JwtError {
  static readonly code = 'ERR_JWT_NOT_YET_VALID';
  constructor(message: string) {
    super(JwtNotYetValid.code, message);
  }
}

/** A key (configuration or argument) that is not a usable secp256k1 / Nostr key. */
export class KeyInvalid extends GatewayError {
  static readonly code = 'ERR_KEY_INVALID';
  constructor(message: string) {
    super(KeyInvalid.code, message);
  }
}

/** A library caller passed an argument of the wrong shape (not a token or key problem). */
export class InvalidArgument extends GatewayError {
  static readonly code = 'ERR_INVALID_ARGUMENT';
  constructor(message: string) {
    super(InvalidArgument.code, message);
  }
}

/** Configuration rejected at start-up; `problems` lists every bad key at once. */
export class ConfigInvalid extends GatewayError {
  static readonly code = 'ERR_CONFIG_INVALID';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(ConfigInvalid.code, `invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.problems = problems;
  }
}

export function isGatewayError(value: unknown): value is GatewayError {
  return value instanceof GatewayError;
}
