/**
 * What the token verifier asks of each kind of credential it accepts. A token is parsed once; each
 * resolver in turn says who vouches for it, or that it is not its kind. Accepting a new kind of credential
 * is one more resolver.
 */
import type { JwtSignatureInvalid } from '../errors.js';
import type { ParsedJws, PayloadParse } from './jws.js';
import type { PortalIdentity } from './identity.js';
import type { VerifyPool } from './verify-pool.js';

/** A token as every resolver sees it: parsed and its payload read once. Nothing in it is trusted yet. */
export interface PresentedToken {
  readonly jws: ParsedJws;
  readonly payload: PayloadParse;
}

/**
 * A resolver's answer: the frozen identity when its signer vouches for the token; otherwise the token is
 * not its kind and the next resolver is tried, with the reason to report (a signature error) if none is.
 * A token of its kind that fails throws (or rejects with) its JwtError instead.
 */
export type Resolution = PortalIdentity | JwtSignatureInvalid | undefined;

export interface CredentialResolver {
  /** `pool`: the worker threads signature checks may go to (absent: check on this thread). */
  resolve(token: PresentedToken, pool: VerifyPool | undefined): Resolution | Promise<Resolution>;
}
