import { describe, expect, it } from 'vitest';
import { newSession, randomHex, useHarness, type HarnessFactory } from './harness.js';

export function describeExpiryContract(factory: HarnessFactory): void {
  describe('expiry', () => {
    const ctx = useHarness(factory);

    it('drops sessions, logins and jtis once the store clock reaches expiresAt', async () => {
      const stores = await ctx.open();
      // At least one whole second of life, so the "before" checks cannot race the deadline.
      const expiresAt = Math.ceil(Date.now() / 1000) + 1;
      const session = newSession({ expiresAt });
      const hash = randomHex();
      await stores.sessions.createSession(session, hash, expiresAt);
      const login = {
        id: 'short',
        status: 'approved' as const,
        createdAt: session.createdAt,
        expiresAt: expiresAt + 3600,
        secretHash: 'h',
      };
      await stores.logins.createLogin(login);
      // Shortening a login's life through an update moves its expiry too.
      expect(await stores.logins.updateLogin(login.id, { expiresAt, sealedResult: 'r' })).toBe(true);
      await stores.revocations.revokeJti('short-jti', expiresAt);
      expect(await stores.sessions.getSession(session.id)).toBeDefined();
      expect(await stores.logins.getLogin(login.id)).toBeDefined();

      await ctx.passTime(expiresAt);
      expect(await stores.sessions.getSession(session.id)).toBeUndefined();
      expect(await stores.sessions.listSessions(session.userKey)).toEqual([]);
      expect(await stores.sessions.findSessionByRefreshHash(hash)).toBeUndefined();
      expect(await stores.sessions.rotateRefreshToken(hash, randomHex(), session.createdAt, expiresAt)).toEqual({
        outcome: 'unknown',
      });
      expect(await stores.logins.getLogin(login.id)).toBeUndefined();
      expect(await stores.logins.updateLogin(login.id, { status: 'expired' })).toBe(false);
      expect(await stores.logins.claimLoginResult(login.id, 'h', session.createdAt)).toBeUndefined();
      expect((await stores.revocations.loadRevocations(expiresAt)).jtis).toEqual([]);
      // An expired id is free again.
      await stores.logins.createLogin({ ...login, expiresAt: expiresAt + 60 });
      expect((await stores.logins.getLogin(login.id))?.expiresAt).toBe(expiresAt + 60);
    });
  });
}
