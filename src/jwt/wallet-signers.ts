/**
 * Flow B: tokens a user's wallet signed with the user's own key, naming the gateway in `target_key`. The
 * token does not say who signed it, so the signer is recovered from the signature and accepted only when
 * it is a known user; then the strict claim rules apply as for any token. Asynchronous only because
 * "known user" may be a store lookup.
 */
import { JwtSignatureInvalid } from '../errors.js';
import { validateClaims } from './claims.js';
import type { KnownKeys } from './known-keys.js';
import type { Es256kBackend, LiftedKey } from '../keys/es256k.js';
import { recoverSigners } from './recover.js';
import { verifiedIdentity, type PortalIdentity } from './identity.js';
import type { CredentialResolver, PresentedToken, Resolution } from './credential-resolver.js';

export interface WalletSignersOptions {
  /** The gateway's own public key, x-only hex: a wallet token must name it in `target_key`. */
  serviceKey: string;
  /** Does this x-only key (64 lower-case hex) belong to a user whose wallet tokens are accepted? */
  isKnownUser(userKey: string): Promise<boolean>;
}

export class WalletSigners implements CredentialResolver {
  constructor(
    private readonly options: WalletSignersOptions,
    private readonly backend: Es256kBackend,
    private readonly known: KnownKeys,
  ) {}

  /** Not its kind (undefined) when the payload does not name the service key or no even-y key signed it. */
  resolve({ jws, payload }: PresentedToken): Resolution | Promise<Resolution> {
    // Reading the payload before the signature is checked only decides whether recovery is worth running;
    // nothing from it is trusted until a known signer is found.
    if ('problem' in payload || payload.value.target_key !== this.options.serviceKey) return undefined;
    const candidates = recoverSigners(jws, this.backend);
    if (candidates.length === 0) return undefined;
    const { value } = payload;
    return Promise.all(candidates.map((key) => this.options.isKnownUser(key.xOnlyHex))).then((answers) =>
      this.identity(value, candidates, answers),
    );
  }

  private identity(payload: Record<string, unknown>, candidates: LiftedKey[], answers: boolean[]): PortalIdentity {
    const signers = candidates.filter((_, i) => answers[i]);
    if (signers.length === 0) {
      throw new JwtSignatureInvalid(
        'token is addressed to this gateway but its signer is not a known user (sign in with the wallet once, or list the key in walletUsers)',
      );
    }
    // Both candidates verify the signature, so a token that recovers to two known users cannot tell who
    // signed it. Unreachable without forging a signature for one of them, but never guess.
    if (signers.length > 1)
      throw new JwtSignatureInvalid('token signature recovers to more than one known user; its signer is ambiguous');
    const claims = validateClaims(payload, this.known.onCurve);
    return verifiedIdentity(claims, signers[0]!.xOnlyHex, 'wallet', this.known.npub);
  }
}
