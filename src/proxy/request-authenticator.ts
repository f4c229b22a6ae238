/**
 * Turns a presented token into a PortalIdentity: strict verification against the trusted issuers
 * (through the verified-token cache), then the revocation check. HTTP-free; throws GatewayErrors.
 */
import { npubEncode } from 'nostr-tools/nip19';
import { TokenRevoked } from '../errors.js';
import type { PortalClaims } from '../jwt/claims.js';
import type { TokenVerifier } from '../jwt/token-verifier.js';
import type { PortalIdentity } from './identity.js';

export interface RevocationCheck {
  /** Synchronous, in-memory: called on every authenticated request. */
  isRevoked(claims: Pick<PortalClaims, 'target_key' | 'iat'> & { jti?: unknown }): boolean;
}

export interface RequestAuthenticatorOptions {
  verifier: TokenVerifier;
  revocations?: RevocationCheck;
}

function permissionsOf(claims: PortalClaims): string[] {
  const value = claims.permissions;
  return Array.isArray(value) ? value.filter((p): p is string => typeof p === 'string') : [];
}

export class RequestAuthenticator {
  private readonly verifier: TokenVerifier;
  private readonly revocations: RevocationCheck | undefined;
  private readonly npubs = new Map<string, string>();

  constructor(options: RequestAuthenticatorOptions) {
    this.verifier = options.verifier;
    this.revocations = options.revocations;
  }

  authenticate(token: string, now?: number): PortalIdentity {
    const { claims, issuer } = this.verifier.verify(token, now);
    if (this.revocations?.isRevoked(claims)) throw new TokenRevoked();
    return {
      targetKey: claims.target_key,
      npub: this.npubOf(claims.target_key),
      flow: 'service',
      issuer,
      permissions: permissionsOf(claims),
      jti: typeof claims.jti === 'string' ? claims.jti : undefined,
      claims,
    };
  }

  cacheStats() {
    return this.verifier.stats();
  }

  // bech32 encoding is not free and the same users call again and again.
  private npubOf(key: string): string {
    let npub = this.npubs.get(key);
    if (npub === undefined) {
      if (this.npubs.size >= 100_000) this.npubs.clear();
      npub = npubEncode(key);
      this.npubs.set(key, npub);
    }
    return npub;
  }
}
