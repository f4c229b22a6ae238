/**
 * The verified identity of a request, as set on `request.portal` and sent to the upstream. Frozen: one
 * object serves every request that presents the same token.
 */
import type { PortalClaims } from '../jwt/claims.js';

/**
 * `login`: an access token of a wallet sign-in session (signed by the gateway, with the session's id).
 * `service`: any other flow-A token, signed by the gateway (`POST /admin/tokens`, `portal-gateway issue`)
 * or a trusted issuer. `wallet`: flow B, signed by the user.
 */
export type AuthFlow = 'login' | 'service' | 'wallet';

export interface PortalIdentity {
  /** The user's (or calling service's) x-only key, 64 lower-case hex chars. */
  readonly targetKey: string;
  readonly npub: string;
  readonly flow: AuthFlow;
  /** x-only key whose signature verified. */
  readonly issuer: string;
  /** Permissions granted by the token (`permissions` claim), possibly empty. */
  readonly permissions: readonly string[];
  /** The sign-in session (`sid` claim) of a `login` token, as `GET /auth/sessions` lists it. */
  readonly sessionId?: string;
  /** `jti` claim when present. */
  readonly jti?: string;
  readonly claims: PortalClaims;
}
