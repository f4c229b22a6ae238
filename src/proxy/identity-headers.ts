/**
 * Identity headers. Every client-sent `x-portal-*` header (any case, and the underscore spellings some
 * servers fold into dashes) is removed before anything else, so nobody can spoof an identity; the
 * gateway then sets its own from the verified token.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { PortalIdentity } from './identity.js';

const IDENTITY_HEADER = /^x[-_]portal[-_]/i;

export const IDENTITY_HEADER_NAMES = {
  targetKey: 'x-portal-target-key',
  npub: 'x-portal-npub',
  flow: 'x-portal-auth-flow',
  permissions: 'x-portal-permissions',
} as const;

/** Remove every client-sent identity header in place (also from rawHeaders, which proxies may read). */
export function stripIdentityHeaders(headers: IncomingHttpHeaders, rawHeaders?: string[]): void {
  let found = false;
  for (const name of Object.keys(headers)) {
    if (startsWithX(name) && IDENTITY_HEADER.test(name)) {
      delete headers[name];
      found = true;
    }
  }
  // rawHeaders holds the same names: only walk it when there was something to remove.
  if (found && rawHeaders) {
    for (let i = rawHeaders.length - 2; i >= 0; i -= 2) {
      if (IDENTITY_HEADER.test(rawHeaders[i]!)) rawHeaders.splice(i, 2);
    }
  }
}

/** Cheap pre-check before the regular expression (hot path: most header names do not start with x). */
function startsWithX(name: string): boolean {
  const c = name.charCodeAt(0);
  return c === 0x78 || c === 0x58;
}

/** Headers that tell the upstream who the caller is. */
export function identityHeaders(identity: PortalIdentity): Record<string, string> {
  const headers: Record<string, string> = {
    [IDENTITY_HEADER_NAMES.targetKey]: identity.targetKey,
    [IDENTITY_HEADER_NAMES.npub]: identity.npub,
    [IDENTITY_HEADER_NAMES.flow]: identity.flow,
  };
  if (identity.permissions.length > 0) headers[IDENTITY_HEADER_NAMES.permissions] = identity.permissions.join(',');
  return headers;
}
