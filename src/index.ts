/** Public library API of portal-gateway. */
export { verifyJwt, type VerifyOptions } from './jwt/verify.js';
export {
  issueJwt,
  createJwtIssuer,
  type IssueOptions,
  type IssueForSecondsOptions,
  type JwtIssuer,
} from './jwt/issue.js';
export { decodeJwtWithoutVerifying, type DecodedJwt } from './jwt/decode.js';
export { TokenVerifier, type TokenVerifierOptions, type VerifiedToken, type CacheStats } from './jwt/token-verifier.js';
export {
  WalletTokenVerifier,
  type WalletTokenVerifierOptions,
  type VerifiedWalletToken,
} from './jwt/wallet-token-verifier.js';
export { recoverJwtSigners } from './jwt/recover.js';
export { DEFAULT_CLOCK_TOLERANCE_SEC, type PortalClaims } from './jwt/claims.js';
export { MAX_TIME_VALUE } from './keys/clock.js';
export { MAX_TOKEN_LENGTH } from './jwt/jws.js';
export {
  generateKeyPair,
  getPublicKey,
  isValidPublicKey,
  normalizePublicKey,
  parseSecretKey,
  toNpub,
  toNsec,
  type KeyPair,
} from './keys/nostr-keys.js';
export { cryptoBackendName } from './keys/es256k.js';
export * from './errors.js';

// The gateway as a library: build it from a validated configuration, or use its Fastify plugin.
export { createGateway, type Gateway, type GatewayOptions } from './server.js';
export { validateConfig } from './config/validate.js';
export { loadConfig, readConfigFile } from './config/load.js';
export type { GatewayConfig, RouteConfig, AuthPolicy, StoreConfig } from './config/types.js';
export {
  portalAuth,
  authorizeRequest,
  type PortalAuthPluginOptions,
  type RoutePolicy,
} from './access/portal-auth-plugin.js';
export { RequestAuthenticator, type RequestAuthenticatorOptions } from './access/request-authenticator.js';
export type { RevocationCheck } from './auth/revocation-list.js';
export { openRevocations, type SharedRevocations } from './auth/shared-revocations.js';
export type { PortalIdentity, AuthFlow } from './jwt/identity.js';
export { buildHandshakeUrl, parseHandshakeUrl } from './nostr/handshake-url.js';
