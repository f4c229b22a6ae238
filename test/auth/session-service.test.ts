/**
 * The session service on a memory store and a clock the test moves: the whole life of a session (start,
 * refresh, reuse, logout, logout everywhere, end one, list, expiry) and the revocation list it keeps.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RevocationList } from '../../src/auth/revocation-list.js';
import { SessionService } from '../../src/auth/session-service.js';
import { createMemoryStores, MemoryBackend } from '../../src/auth/stores/memory/index.js';
import { RefreshTokenInvalid, RefreshTokenReused, SessionNotFound } from '../../src/errors.js';
import { createJwtIssuer, generateKeyPair, verifyJwt } from '../../src/index.js';
import { nowSeconds } from '../../src/keys/clock.js';
import { movableClock } from '../support/clock.js';

const service = generateKeyPair();
const alice = generateKeyPair().publicKey;
const bob = generateKeyPair().publicKey;
const ACCESS_TTL = 900;
const REFRESH_TTL = 3600;
const lists: RevocationList[] = [];

async function setup() {
  const clock = movableClock();
  const now = () => nowSeconds(clock.now);
  const stores = createMemoryStores(new MemoryBackend(clock.now));
  const revocations = new RevocationList(stores.revocations, { now });
  await revocations.start();
  lists.push(revocations);
  const sessions = new SessionService({
    issuer: createJwtIssuer(service.secretKey),
    sessions: stores.sessions,
    revocations,
    accessTtlSec: ACCESS_TTL,
    refreshTtlSec: REFRESH_TTL,
    now,
  });
  const claimsOf = (token: string) => verifyJwt(service.publicKey, token, { now: now() });
  return { clock, now, sessions, revocations, claimsOf };
}

afterEach(() => lists.splice(0).forEach((list) => list.stop()));

describe('SessionService', () => {
  it('starts a session whose access token names it, and rotates the refresh token on each refresh', async () => {
    const { sessions, claimsOf, clock } = await setup();
    const first = await sessions.startSession(alice, ['read'], { userAgent: 'test' });
    expect(first).toMatchObject({ token_type: 'Bearer', expires_in: ACCESS_TTL, refresh_expires_in: REFRESH_TTL });
    expect(claimsOf(first.access_token)).toMatchObject({
      target_key: alice,
      sid: first.session_id,
      permissions: ['read'],
    });
    clock.advance(60);
    const second = await sessions.refresh(first.refresh_token);
    expect(second.session_id).toBe(first.session_id);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    // The session's end does not move: rotation never extends it.
    expect(second.refresh_expires_in).toBe(REFRESH_TTL - 60);
    expect((await sessions.listSessions(alice)).map((s) => s.id)).toEqual([first.session_id]);
  });

  it('ends the session and revokes its access tokens when a rotated refresh token comes back', async () => {
    const { sessions, revocations, claimsOf } = await setup();
    const first = await sessions.startSession(alice, []);
    const second = await sessions.refresh(first.refresh_token);
    await expect(sessions.refresh(first.refresh_token)).rejects.toBeInstanceOf(RefreshTokenReused);
    expect(revocations.isRevoked(claimsOf(second.access_token))).toBe(true);
    await expect(sessions.refresh(second.refresh_token)).rejects.toBeInstanceOf(RefreshTokenInvalid);
  });

  it('logout revokes the token and ends its own session only', async () => {
    const { sessions, revocations, claimsOf } = await setup();
    const own = await sessions.startSession(alice, []);
    const claims = claimsOf(own.access_token);
    const token = { jti: claims.jti as string, exp: claims.exp, sessionId: own.session_id };
    // Bob presenting Alice's session id ends nothing of hers.
    expect(await sessions.logout(bob, token)).toBe(false);
    const kept = await sessions.sessionOf(alice, own.session_id);
    expect(kept?.id).toBe(own.session_id);
    expect(kept?.revokedAt).toBeUndefined();
    expect(await sessions.logout(alice, token)).toBe(true);
    expect(revocations.isRevoked(claims)).toBe(true);
    expect((await sessions.sessionOf(alice, own.session_id))?.revokedAt).toBeDefined();
    await expect(sessions.refresh(own.refresh_token)).rejects.toBeInstanceOf(RefreshTokenInvalid);
  });

  it('logout everywhere ends every session of the user and dates later tokens after the watermark', async () => {
    const { sessions, revocations, claimsOf } = await setup();
    const [a, b] = [await sessions.startSession(alice, []), await sessions.startSession(alice, [])];
    const other = await sessions.startSession(bob, []);
    const { notBefore, sessions: ended } = await sessions.logoutEverywhere(alice);
    expect(ended).toBe(2);
    for (const tokens of [a, b]) expect(revocations.isRevoked(claimsOf(tokens.access_token))).toBe(true);
    expect(revocations.isRevoked(claimsOf(other.access_token))).toBe(false);
    const again = await sessions.startSession(alice, []);
    expect(claimsOf(again.access_token).iat).toBeGreaterThanOrEqual(notBefore);
    expect(revocations.isRevoked(claimsOf(again.access_token))).toBe(false);
  });

  it("ends one session of the user on request, and answers another user's id as an unknown one", async () => {
    const { sessions } = await setup();
    const own = await sessions.startSession(alice, []);
    await expect(sessions.endSessionOf(bob, own.session_id)).rejects.toBeInstanceOf(SessionNotFound);
    await expect(sessions.endSessionOf(alice, 'no-such-session')).rejects.toBeInstanceOf(SessionNotFound);
    await sessions.endSessionOf(alice, own.session_id);
    // Already ended: not found again.
    await expect(sessions.endSessionOf(alice, own.session_id)).rejects.toBeInstanceOf(SessionNotFound);
    expect(await sessions.listSessions(alice)).toEqual([]);
  });

  it('lets a session expire on the clock, without waiting', async () => {
    const { sessions, clock } = await setup();
    const own = await sessions.startSession(alice, []);
    clock.advance(REFRESH_TTL + 1);
    await expect(sessions.refresh(own.refresh_token)).rejects.toBeInstanceOf(RefreshTokenInvalid);
    expect(await sessions.listSessions(alice)).toEqual([]);
  });
});
