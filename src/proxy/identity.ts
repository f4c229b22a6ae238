/**
 * The verified identity of a request, as set on `request.portal` and sent to the upstream. Frozen: one
 * object serves every request that presents the same token.
 */
import type { PortalClaims } from '../jwt/claims.js';

/** `service`: flow A, signed by the gateway or a trusted issuer. `wallet`: flow B, signed by the user. */
export type AuthFlow = 'service' | 'wallet';

export interface PortalIdentity {
  /** The user's (or calling service's) x-only key, 64 lower-case hex chars. */
  readonly targetKey: string;
  readonly npub: string;
  readonly flow: AuthFlow;
  /** x-only key whose signature verified. */
  readonly issuer: string;
  /** Permissions granted by the token (`permissions` claim), possibly empty. */
  readonly permissions: readonly string[];
  /** `jti` claim when present. */
  readonly jti?: string;
  readonly claims: PortalClaims;
}
