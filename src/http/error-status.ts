/** The one table that maps error codes to HTTP statuses. A code without a status does not compile. */
import type { ErrorCode } from '../errors.js';

export const HTTP_STATUS_OF: Record<ErrorCode, number> = {
  ERR_JWT_MALFORMED: 401,
  ERR_JWT_ALG: 401,
  ERR_JWT_HEADER: 401,
  ERR_JWT_SIGNATURE: 401,
  ERR_JWT_CLAIMS: 401,
  ERR_JWT_EXPIRED: 401,
  ERR_JWT_NOT_YET_VALID: 401,
  ERR_TOKEN_REVOKED: 401,
  ERR_AUTH_REQUIRED: 401,
  ERR_PERMISSION_DENIED: 403,
  ERR_ROUTE_NOT_FOUND: 404,
  ERR_KEY_INVALID: 400,
  ERR_INVALID_ARGUMENT: 400,
  ERR_BAD_REQUEST: 400,
  ERR_PAYLOAD_TOO_LARGE: 413,
  ERR_UPSTREAM_UNAVAILABLE: 502,
  ERR_UPSTREAM_TIMEOUT: 504,
  ERR_STORE_CONFLICT: 409,
  ERR_STORE_UNAVAILABLE: 503,
  ERR_HANDSHAKE_URL: 400,
  ERR_RELAY_PUBLISH: 503,
  ERR_LOGIN_CAPACITY: 503,
  ERR_REFRESH_TOKEN_INVALID: 401,
  ERR_REFRESH_TOKEN_REUSED: 401,
  ERR_LOGIN_NOT_FOUND: 404,
  ERR_RATE_LIMITED: 429,
  ERR_CSRF: 403,
  ERR_CONFIG_INVALID: 500,
  ERR_INTERNAL: 500,
};

/** Codes answered with `WWW-Authenticate: Bearer … error="invalid_token"` (RFC 6750). */
export function isInvalidTokenStatus(code: ErrorCode): boolean {
  return HTTP_STATUS_OF[code] === 401;
}
