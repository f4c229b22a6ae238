/**
 * The verified identity of a request, as the token verifier caches it, `request.portal` carries it and the
 * upstream is told about it. Built once when a token is first verified and frozen: one object serves every
 * request that presents the same token, with nothing to compute on a cache hit.
 */
import type { PortalClaims } from './claims.js';

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

/**
 * The frozen identity of a token whose signature `issuer` made and whose claims passed the strict rules;
 * `npubOf` encodes the caller's key.
 */
export function verifiedIdentity(
  claims: PortalClaims,
  issuer: string,
  flow: AuthFlow,
  npubOf: (key: string) => string,
): PortalIdentity {
  const wallet = flow === 'wallet';
  // A wallet token names the gateway in `target_key`: the caller is its signer.
  const targetKey = wallet ? issuer : claims.target_key;
  return Object.freeze({
    targetKey,
    npub: npubOf(targetKey),
    flow,
    ...(flow === 'login' ? { sessionId: claims.sid as string } : {}),
    issuer,
    // The user signed a wallet token's claims themselves: a `permissions` claim there would be self-granted.
    permissions: Object.freeze(wallet ? [] : [...(claims.permissions ?? [])]),
    jti: typeof claims.jti === 'string' ? claims.jti : undefined,
    claims: deepFreeze(claims),
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
