/** The verified identity of a request, as set on `request.portal` and sent to the upstream. */
import type { PortalClaims } from '../jwt/claims.js';

/** `service`: flow A, signed by the gateway or a trusted issuer. `wallet`: flow B, signed by the user. */
export type AuthFlow = 'service' | 'wallet';

export interface PortalIdentity {
  /** The user's (or calling service's) x-only key, 64 lower-case hex chars. */
  targetKey: string;
  npub: string;
  flow: AuthFlow;
  /** x-only key whose signature verified. */
  issuer: string;
  /** Permissions granted by the token (`permissions` claim), possibly empty. */
  permissions: string[];
  /** `jti` claim when present. */
  jti?: string;
  claims: PortalClaims;
}
