/**
 * Flow A: tokens signed by the gateway's own key or another trusted issuer. The signature is checked against
 * each key in turn, on the verify pool's worker threads when the verifier passes one, else here; the claims
 * are checked once a key fits.
 */
import { JwtSignatureInvalid } from '../errors.js';
import { validateClaims } from './claims.js';
import type { KnownKeys } from './known-keys.js';
import { uncompressedKey, type Es256kBackend, type LiftedKey } from '../keys/es256k.js';
import { payloadValue } from './jws.js';
import { verifiedIdentity, type PortalIdentity } from './identity.js';
import { checkSignatureShape, SIGNATURE_MISMATCH } from './verify.js';
import type { CredentialResolver, PresentedToken, Resolution } from './credential-resolver.js';
import type { VerifyPool } from './verify-pool.js';

export class TrustedIssuers implements CredentialResolver {
  /**
   * `keys[0]` is the gateway's own key when there is one: its tokens with a `sid` claim are sign-in
   * sessions. A trusted issuer's `sid` names none of this gateway's sessions.
   */
  constructor(
    private readonly keys: readonly LiftedKey[],
    private readonly backend: Es256kBackend,
    private readonly known: KnownKeys,
  ) {}

  resolve(token: PresentedToken, pool: VerifyPool | undefined): Resolution | Promise<Resolution> {
    const { signature, signingInput } = token.jws;
    try {
      checkSignatureShape(signature);
    } catch (error) {
      return error as JwtSignatureInvalid;
    }
    if (pool) return this.signerOnPool(token, pool, 0);
    for (const key of this.keys) {
      if (this.backend.verify(signingInput, signature, key)) return this.identity(token, key);
    }
    return new JwtSignatureInvalid(SIGNATURE_MISMATCH);
  }

  /** The first key, from `index` on, whose signature this is (one key at a time: usually the first fits). */
  private signerOnPool(token: PresentedToken, pool: VerifyPool, index: number): Promise<Resolution> {
    const key = this.keys[index]!;
    return pool.verify(token.jws.signingInput, token.jws.signature, uncompressedKey(key)).then((valid) => {
      if (valid) return this.identity(token, key);
      return index + 1 < this.keys.length
        ? this.signerOnPool(token, pool, index + 1)
        : new JwtSignatureInvalid(SIGNATURE_MISMATCH);
    });
  }

  /** Steps 8-9 once the signature verified: the claims, then the identity they describe. */
  private identity(token: PresentedToken, key: LiftedKey): PortalIdentity {
    const claims = validateClaims(payloadValue(token.payload), this.known.onCurve);
    const session = key === this.keys[0] && typeof claims.sid === 'string' && claims.sid !== '';
    return verifiedIdentity(claims, key.xOnlyHex, session ? 'login' : 'service', this.known.npub);
  }
}
