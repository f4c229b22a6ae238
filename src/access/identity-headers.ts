/**
 * Identity headers. Every client-sent `x-portal-*` header (any case, and the underscore spellings some
 * servers fold into dashes) is removed before anything else, so nobody can spoof an identity; the
 * gateway then sets its own from the verified token.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { PortalIdentity } from '../jwt/identity.js';

const IDENTITY_HEADER = /^x[-_]portal[-_]/i;

export const IDENTITY_HEADER_NAMES = {
  targetKey: 'x-portal-target-key',
  npub: 'x-portal-npub',
  flow: 'x-portal-auth-flow',
  permissions: 'x-portal-permissions',
  sessionId: 'x-portal-session-id',
  /** The signed identity assertion (src/assertion/assertion-signer.ts). */
  assertion: 'x-portal-assertion',
} as const;

/** Remove every client-sent identity header in place, from both `headers` and the `rawHeaders` list proxies may read. */
export function stripIdentityHeaders(headers: IncomingHttpHeaders, rawHeaders: string[]): void {
  // rawHeaders is already an array of names and values: scanning it allocates nothing (hot path).
  for (let i = rawHeaders.length - 2; i >= 0; i -= 2) {
    const name = rawHeaders[i]!;
    if (startsWithX(name) && IDENTITY_HEADER.test(name)) {
      delete headers[name.toLowerCase()];
      rawHeaders.splice(i, 2);
    }
  }
}

/** Cheap pre-check before the regular expression: most header names do not start with x. */
function startsWithX(name: string): boolean {
  const c = name.charCodeAt(0);
  return c === 0x78 || c === 0x58;
}

/** The headers that tell the upstream who the caller is, as `[name, value, name, value, …]`. */
export function identityHeaderList(identity: PortalIdentity): string[] {
  const list: string[] = [
    IDENTITY_HEADER_NAMES.targetKey,
    identity.targetKey,
    IDENTITY_HEADER_NAMES.npub,
    identity.npub,
    IDENTITY_HEADER_NAMES.flow,
    identity.flow,
  ];
  if (identity.permissions.length > 0) list.push(IDENTITY_HEADER_NAMES.permissions, identity.permissions.join(','));
  if (identity.sessionId !== undefined) list.push(IDENTITY_HEADER_NAMES.sessionId, identity.sessionId);
  return list;
}
