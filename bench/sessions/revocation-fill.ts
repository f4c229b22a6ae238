/**
 * The revocation list every gateway of the sessions benchmark holds while it is measured: revoked
 * access tokens and users with a logout-everywhere watermark, written through the store as logouts
 * would be, so the per-request check looks up maps of a realistic size.
 */
import { randomBytes } from 'node:crypto';
import type { RevocationList } from '../../src/auth/revocation-list.js';
import type { RevocationStore } from '../../src/auth/stores/types.js';
import { generateKeyPair } from '../../src/index.js';
import { nowSeconds } from '../../src/keys/clock.js';

export const REVOKED_JTIS = 2_000;
export const USERS_WITH_WATERMARK = 500;

/** Writes through `store` (the list hears it as it hears a logout) and resolves once `list` holds it all. */
export async function fillRevocations(list: RevocationList, store: RevocationStore, userKey: string): Promise<void> {
  const now = nowSeconds();
  for (let i = 0; i < REVOKED_JTIS; i++) await list.revokeJti(randomBytes(16).toString('base64url'), now + 3600);
  const users = [userKey, ...Array.from({ length: USERS_WITH_WATERMARK - 1 }, () => generateKeyPair().publicKey)];
  // In the past: the benchmark token (issued now) passes the watermark comparison instead of stopping at a miss.
  for (const user of users) await store.setUserNotBefore(user, now - 3600);
  const deadline = Date.now() + 10_000;
  while (list.size.users < USERS_WITH_WATERMARK || list.size.jtis < REVOKED_JTIS) {
    if (Date.now() > deadline)
      throw new Error('sessions benchmark: the revocation list never caught up with the store');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
