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
  | 'ERR_CONFIG_INVALID'
  | 'ERR_AUTH_REQUIRED'
  | 'ERR_PERMISSION_DENIED'
  | 'ERR_TOKEN_REVOKED'
  | 'ERR_ROUTE_NOT_FOUND'
  | 'ERR_BAD_REQUEST'
  | 'ERR_PAYLOAD_TOO_LARGE'
  | 'ERR_HEADERS_TOO_LARGE'
  | 'ERR_UNSUPPORTED_MEDIA_TYPE'
  | 'ERR_REQUEST_TIMEOUT'
  | 'ERR_UPSTREAM_UNAVAILABLE'
  | 'ERR_UPSTREAM_TIMEOUT'
  | 'ERR_INTERNAL'
  | 'ERR_STORE_UNAVAILABLE'
  | 'ERR_STORE_CONFLICT'
  | 'ERR_RELAY_PUBLISH'
  | 'ERR_HANDSHAKE_URL'
  | 'ERR_LOGIN_CAPACITY'
  | 'ERR_REFRESH_TOKEN_INVALID'
  | 'ERR_REFRESH_TOKEN_REUSED'
  | 'ERR_LOGIN_NOT_FOUND'
  | 'ERR_RATE_LIMITED'
  | 'ERR_CSRF'
  | 'ERR_RELAYS_UNAVAILABLE'
  | 'ERR_SESSION_NOT_FOUND'
  | 'ERR_RELAY_NOT_FOUND'
  | 'ERR_LOGIN_DECLINED'
  | 'ERR_LOGIN_EXPIRED'
  | 'ERR_GATEWAY_CALL'
  | 'ERR_LISTEN'
  | 'ERR_RELAY_UNREACHABLE'
  | 'ERR_WALLET_TIMEOUT';

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

/** A protected route was called without any access token. */
export class AuthRequired extends GatewayError {
  static readonly code = 'ERR_AUTH_REQUIRED';
  constructor(message = 'an access token is required (Authorization: Bearer or the session cookie)') {
    super(AuthRequired.code, message);
  }
}

/** The identity is valid but lacks a permission the route requires. */
export class PermissionDenied extends GatewayError {
  static readonly code = 'ERR_PERMISSION_DENIED';
  constructor(message: string) {
    super(PermissionDenied.code, message);
  }
}

/** A valid token that was revoked (logout, logout everywhere, reuse detection). */
export class TokenRevoked extends GatewayError {
  static readonly code = 'ERR_TOKEN_REVOKED';
  constructor(message = 'the token has been revoked') {
    super(TokenRevoked.code, message);
  }
}

export class RouteNotFound extends GatewayError {
  static readonly code = 'ERR_ROUTE_NOT_FOUND';
  constructor(method: string, path: string) {
    super(RouteNotFound.code, `no route for ${method} ${path}`);
  }
}

/** A request the gateway cannot make sense of (bad JSON, bad parameter). */
export class BadRequest extends GatewayError {
  static readonly code = 'ERR_BAD_REQUEST';
  constructor(message: string) {
    super(BadRequest.code, message);
  }
}

export class PayloadTooLarge extends GatewayError {
  static readonly code = 'ERR_PAYLOAD_TOO_LARGE';
  constructor(message: string) {
    super(PayloadTooLarge.code, message);
  }
}

/** The request's header block is above Node's limit (16 KiB). */
export class HeadersTooLarge extends GatewayError {
  static readonly code = 'ERR_HEADERS_TOO_LARGE';
  constructor(message = 'the request headers are too large') {
    super(HeadersTooLarge.code, message);
  }
}

/** A body in a media type the endpoint does not read. */
export class UnsupportedMediaType extends GatewayError {
  static readonly code = 'ERR_UNSUPPORTED_MEDIA_TYPE';
  constructor(message: string) {
    super(UnsupportedMediaType.code, message);
  }
}

/** The client did not send its whole header block within `limits.headersTimeoutMs`. */
export class RequestTimeout extends GatewayError {
  static readonly code = 'ERR_REQUEST_TIMEOUT';
  constructor(message = 'the request headers did not arrive in time') {
    super(RequestTimeout.code, message);
  }
}

/** The upstream refused the connection, reset it or answered garbage. */
export class UpstreamUnavailable extends GatewayError {
  static readonly code = 'ERR_UPSTREAM_UNAVAILABLE';
  constructor(message = 'the upstream service is unavailable', options?: { cause?: unknown }) {
    super(UpstreamUnavailable.code, message, options);
  }
}

export class UpstreamTimeout extends GatewayError {
  static readonly code = 'ERR_UPSTREAM_TIMEOUT';
  constructor(message = 'the upstream service did not answer in time', options?: { cause?: unknown }) {
    super(UpstreamTimeout.code, message, options);
  }
}

/** A bug in the gateway; the message shown to clients never carries details. */
export class InternalError extends GatewayError {
  static readonly code = 'ERR_INTERNAL';
  constructor(options?: { cause?: unknown }) {
    super(InternalError.code, 'internal error', options);
  }
}

export function isGatewayError(value: unknown): value is GatewayError {
  return value instanceof GatewayError;
}

/** The state store (SQLite file, Redis) cannot be reached or failed; the request may be retried. */
export class StoreUnavailable extends GatewayError {
  static readonly code = 'ERR_STORE_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(StoreUnavailable.code, message, options);
  }
}

/** A record with the same id (or refresh token hash) is already stored. */
export class StoreConflict extends GatewayError {
  static readonly code = 'ERR_STORE_CONFLICT';
  constructor(message: string) {
    super(StoreConflict.code, message);
  }
}

/** What one relay did with an event the pool tried to publish. */
export interface RelayPublishFailure {
  relay: string;
  reason: string;
}

/** No relay accepted an event (OK true) within the publish timeout; `failures` names every relay tried. */
export class RelayPublishFailed extends GatewayError {
  static readonly code = 'ERR_RELAY_PUBLISH';
  readonly failures: readonly RelayPublishFailure[];
  constructor(failures: readonly RelayPublishFailure[]) {
    const detail =
      failures.length === 0 ? 'no relay configured' : failures.map((f) => `${f.relay}: ${f.reason}`).join('; ');
    super(RelayPublishFailed.code, `no relay accepted the event (${detail})`);
    this.failures = failures;
  }
}

/** A `portal://` key-handshake URL that does not follow the Portal format. */
export class HandshakeUrlInvalid extends GatewayError {
  static readonly code = 'ERR_HANDSHAKE_URL';
  constructor(message: string) {
    super(HandshakeUrlInvalid.code, message);
  }
}

/** Too many logins are waiting for a wallet at once; a new one may be started when some finish. */
export class LoginCapacityExceeded extends GatewayError {
  static readonly code = 'ERR_LOGIN_CAPACITY';
  constructor(maxPendingLogins: number) {
    super(LoginCapacityExceeded.code, `too many pending logins (at most ${maxPendingLogins} at once)`);
  }
}

/** A refresh token that is unknown, expired, or belongs to a revoked session. */
export class RefreshTokenInvalid extends GatewayError {
  static readonly code = 'ERR_REFRESH_TOKEN_INVALID';
  constructor(message = 'the refresh token is not valid') {
    super(RefreshTokenInvalid.code, message);
  }
}

/** A refresh token presented again after it was rotated: its whole session has been revoked. */
export class RefreshTokenReused extends GatewayError {
  static readonly code = 'ERR_REFRESH_TOKEN_REUSED';
  constructor() {
    super(RefreshTokenReused.code, 'the refresh token was already used; the session has been revoked');
  }
}

export class LoginNotFound extends GatewayError {
  static readonly code = 'ERR_LOGIN_NOT_FOUND';
  constructor() {
    super(LoginNotFound.code, 'no such login (it may have expired)');
  }
}

export class RateLimited extends GatewayError {
  static readonly code = 'ERR_RATE_LIMITED';
  constructor(message = 'too many requests') {
    super(RateLimited.code, message);
  }
}

/** A cookie-authenticated, state-changing request from a foreign origin. */
export class CsrfRejected extends GatewayError {
  static readonly code = 'ERR_CSRF';
  constructor(message = 'cross-site request rejected (Origin does not match)') {
    super(CsrfRejected.code, message);
  }
}

/** No relay is connected, so no wallet can reach the gateway: logins cannot start now. */
export class RelaysUnavailable extends GatewayError {
  static readonly code = 'ERR_RELAYS_UNAVAILABLE';
  constructor(relays: readonly string[]) {
    super(
      RelaysUnavailable.code,
      relays.length === 0
        ? 'no Nostr relays are configured (relays.config.json, "relays" or PORTAL_RELAYS)'
        : `no Nostr relay is connected right now (tried ${relays.join(', ')}); logins resume when one comes back`,
    );
  }
}

export class SessionNotFound extends GatewayError {
  static readonly code = 'ERR_SESSION_NOT_FOUND';
  constructor() {
    super(SessionNotFound.code, 'no such session');
  }
}

/** A relay the gateway is not connected to (removing one that is not in the list). */
export class RelayNotFound extends GatewayError {
  static readonly code = 'ERR_RELAY_NOT_FOUND';
  constructor(url: string) {
    super(RelayNotFound.code, `${url} is not one of the gateway's relays`);
  }
}

/** The wallet declined a login (seen by a client following it, e.g. `portal-gateway login`). */
export class LoginDeclined extends GatewayError {
  static readonly code = 'ERR_LOGIN_DECLINED';
  constructor(reason: string | undefined) {
    super(LoginDeclined.code, `the wallet declined the login${reason ? ` (${reason})` : ''}`);
  }
}

/** A login ended without an answer from the wallet: it timed out, or the gateway gave up on it. */
export class LoginExpired extends GatewayError {
  static readonly code = 'ERR_LOGIN_EXPIRED';
  constructor(message = 'the login expired before the wallet answered') {
    super(LoginExpired.code, message);
  }
}

/** A client of the gateway (e.g. `portal-gateway login`) could not reach it, or got an answer it cannot use. */
export class GatewayCallFailed extends GatewayError {
  static readonly code = 'ERR_GATEWAY_CALL';
  constructor(message: string) {
    super(GatewayCallFailed.code, message);
  }
}

/** The gateway cannot listen where it is told to (address in use, not allowed, not on this machine). */
export class ListenFailed extends GatewayError {
  static readonly code = 'ERR_LISTEN';
  constructor(message: string, options?: { cause?: unknown }) {
    super(ListenFailed.code, message, options);
  }
}

/** A wallet (e.g. `portal-gateway wallet approve`) could not connect to any relay named by the login. */
export class RelayUnreachable extends GatewayError {
  static readonly code = 'ERR_RELAY_UNREACHABLE';
  constructor(relays: readonly string[], reason: string) {
    super(RelayUnreachable.code, `cannot reach any relay of the login (${relays.join(', ') || 'none'}): ${reason}`);
  }
}

/** A wallet got no AUTH_CHALLENGE back in time: the login expired, was answered, or the gateway is gone. */
export class WalletTimeout extends GatewayError {
  static readonly code = 'ERR_WALLET_TIMEOUT';
  constructor(timeoutMs: number) {
    super(
      WalletTimeout.code,
      `no AUTH_CHALLENGE from the gateway within ${Math.round(timeoutMs / 1000)} s (the login may have expired or been answered already; start a new one)`,
    );
  }
}
