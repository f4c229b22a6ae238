/**
 * Turns a presented token into a PortalIdentity: the token verifier's frozen identity (flow A, or flow B
 * when the verifier accepts wallet tokens), then the revocation check. HTTP-free; throws GatewayErrors.
 */
import { TokenRevoked } from '../errors.js';
import type { TokenVerifier } from '../jwt/token-verifier.js';
import type { RevocationCheck } from '../auth/revocation-list.js';
import type { PortalIdentity } from '../jwt/identity.js';

export interface RequestAuthenticatorOptions {
  verifier: TokenVerifier;
  revocations?: RevocationCheck;
}

export class RequestAuthenticator {
  private readonly verifier: TokenVerifier;
  private readonly revocations: RevocationCheck | undefined;

  constructor(options: RequestAuthenticatorOptions) {
    this.verifier = options.verifier;
    this.revocations = options.revocations;
  }

  /**
   * The identity itself when the verifier's cache or a check on this thread decides, and a promise when a
   * signature is checked on the verify pool or a wallet token's signer must be looked up.
   */
  authenticateAny(token: string): PortalIdentity | Promise<PortalIdentity> {
    const verified = this.verifier.verifyPooled(token);
    return verified instanceof Promise ? verified.then(this.admit) : this.admit(verified);
  }

  /** A wallet token's user is its signer, the identity's `targetKey`, as for every other token. */
  private readonly admit = (identity: PortalIdentity): PortalIdentity => {
    if (this.revocations?.isRevoked(identity.claims, identity.targetKey)) throw new TokenRevoked();
    return identity;
  };
}
