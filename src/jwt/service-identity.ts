/**
 * The gateway's own identity, derived once from its service key by createGateway and handed to everything
 * that signs its tokens or recognises them: the token verifier, the session and admin token issuing, the
 * discovery document. (The Portal conversation also gets the secret key itself, for its Nostr messages.)
 */
import { npubEncode } from 'nostr-tools/nip19';
import { liftXOnly, type LiftedKey } from '../keys/es256k.js';
import { createJwtIssuer, type JwtIssuer } from './issue.js';

export interface ServiceIdentity {
  /** x-only public key, 64 lower-case hex chars. */
  readonly publicKey: string;
  readonly npub: string;
  /** The public key as a curve point, for checking the signatures of the gateway's own tokens. */
  readonly key: LiftedKey;
  /** Signs the gateway's tokens: sign-in sessions and `POST /admin/tokens`. */
  readonly issuer: JwtIssuer;
}

/** The identity of a valid secret key (32 bytes, as the service key's resolution returns it). */
export function createServiceIdentity(secretKey: Uint8Array): ServiceIdentity {
  const issuer = createJwtIssuer(secretKey);
  // The issuer's key is derived from a valid scalar: its even-y lift always exists.
  const key = liftXOnly(Buffer.from(issuer.publicKey, 'hex'))!;
  return Object.freeze({ publicKey: issuer.publicKey, npub: npubEncode(issuer.publicKey), key, issuer });
}
