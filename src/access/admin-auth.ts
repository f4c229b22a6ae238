/**
 * Who may call /admin: the holder of the configured secret (`Authorization: Bearer <secret>`, compared
 * in constant time), or an allow-listed admin key signing the request (NIP-98: `Authorization: Nostr
 * <base64 kind-27235 event>` naming this URL and method, at most 60 s old, each event usable once).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { unpackEventFromToken, validateEvent } from 'nostr-tools/nip98';
import type { AdminConfig } from '../config/types.js';
import { AuthRequired, PermissionDenied } from '../errors.js';

const REPLAY_WINDOW_MS = 120_000;

export interface AdminAuthenticator {
  /** Resolves to a label for the audit log ('secret' or the admin's hex key); throws 401/403. */
  authenticate(request: FastifyRequest): Promise<string>;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export function createAdminAuthenticator(admin: AdminConfig): AdminAuthenticator {
  const secretDigest = admin.secret ? digest(admin.secret) : undefined;
  const seenEvents = new Map<string, number>();

  function remember(id: string): boolean {
    const now = Date.now();
    for (const [seen, at] of seenEvents) if (now - at > REPLAY_WINDOW_MS) seenEvents.delete(seen);
    if (seenEvents.has(id)) return false;
    seenEvents.set(id, now);
    return true;
  }

  return {
    async authenticate(request) {
      const header = request.headers.authorization ?? '';
      const [scheme, value] = [
        header.slice(0, header.indexOf(' ')).toLowerCase(),
        header.slice(header.indexOf(' ') + 1).trim(),
      ];
      if (scheme === 'bearer' && secretDigest) {
        if (timingSafeEqual(digest(value), secretDigest)) return 'secret';
        throw new PermissionDenied('admin credential rejected');
      }
      if (scheme === 'nostr' && admin.pubkeys.length > 0) {
        const url = `${request.protocol}://${request.host}${request.url}`;
        let event;
        try {
          event = await unpackEventFromToken(value);
          await validateEvent(event, url, request.method, request.body ?? undefined);
        } catch (error) {
          throw new PermissionDenied(`signed admin request rejected: ${(error as Error).message}`);
        }
        if (!admin.pubkeys.includes(event.pubkey)) throw new PermissionDenied('the signing key is not an admin key');
        if (!remember(event.id)) throw new PermissionDenied('signed admin request was already used');
        return event.pubkey;
      }
      throw new AuthRequired(
        admin.secret || admin.pubkeys.length > 0
          ? 'admin credential required (Authorization: Bearer <admin secret> or a NIP-98 signed request)'
          : 'admin endpoints are disabled: configure admin.secret (or PORTAL_ADMIN_SECRET) or admin.pubkeys',
      );
    },
  };
}
