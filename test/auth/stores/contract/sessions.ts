import { describe, expect, it } from 'vitest';
import { StoreConflict } from '../../../../src/errors.js';
import { newSession, nowSec, randomHex, useHarness, type HarnessFactory } from './harness.js';

export function describeSessionContract(factory: HarnessFactory): void {
  describe('sessions', () => {
    const ctx = useHarness(factory);

    it('stores a session and returns it unchanged, optional fields included', async () => {
      const { sessions } = await ctx.open();
      const plain = newSession();
      const full = newSession({
        userAgent: 'Mozilla/5.0 (X11)',
        clientIp: '203.0.113.7',
        permissions: ['read', 'write'],
      });
      await sessions.createSession(plain, randomHex(), plain.expiresAt);
      await sessions.createSession(full, randomHex(), full.expiresAt);
      expect(await sessions.getSession(plain.id)).toEqual(plain);
      expect(await sessions.getSession(full.id)).toEqual(full);
      expect(await sessions.getSession('no-such-session')).toBeUndefined();
    });

    it('hands out copies: changing a returned record does not change the store', async () => {
      const { sessions } = await ctx.open();
      const session = newSession();
      await sessions.createSession(session, randomHex(), session.expiresAt);
      const first = await sessions.getSession(session.id);
      first!.permissions.push('admin');
      first!.lastUsedAt = 1;
      expect(await sessions.getSession(session.id)).toEqual(session);
    });

    it('rejects a second session with the same id or the same refresh token hash', async () => {
      const { sessions } = await ctx.open();
      const session = newSession();
      const hash = randomHex();
      await sessions.createSession(session, hash, session.expiresAt);
      await expect(sessions.createSession({ ...session }, randomHex(), session.expiresAt)).rejects.toBeInstanceOf(
        StoreConflict,
      );
      await expect(sessions.createSession(newSession(), hash, session.expiresAt)).rejects.toBeInstanceOf(StoreConflict);
    });

    it('touches a live session (time and client details) but not a revoked or unknown one', async () => {
      const { sessions } = await ctx.open();
      const session = newSession({ userAgent: 'old agent' });
      await sessions.createSession(session, randomHex(), session.expiresAt);
      const later = session.createdAt + 30;
      expect(await sessions.touchSession(session.id, later, { clientIp: '198.51.100.1' })).toBe(true);
      expect(await sessions.getSession(session.id)).toEqual({
        ...session,
        lastUsedAt: later,
        clientIp: '198.51.100.1',
      });
      expect(await sessions.touchSession(session.id, later + 1, { userAgent: 'new agent' })).toBe(true);
      expect((await sessions.getSession(session.id))?.userAgent).toBe('new agent');
      expect(await sessions.touchSession(session.id, session.expiresAt)).toBe(false);
      expect(await sessions.touchSession('no-such-session', later)).toBe(false);
      await sessions.revokeSession(session.id, later + 2);
      expect(await sessions.touchSession(session.id, later + 3)).toBe(false);
      expect((await sessions.getSession(session.id))?.lastUsedAt).toBe(later + 1);
    });

    it('lists the live sessions of one user, oldest first', async () => {
      const { sessions } = await ctx.open();
      const userKey = randomHex();
      const now = nowSec();
      const newer = newSession({ userKey, createdAt: now - 10 });
      const older = newSession({ userKey, createdAt: now - 100 });
      const revoked = newSession({ userKey });
      const otherUser = newSession();
      for (const s of [newer, older, revoked, otherUser]) await sessions.createSession(s, randomHex(), s.expiresAt);
      await sessions.revokeSession(revoked.id, now);
      expect(await sessions.listSessions(userKey)).toEqual([older, newer]);
      expect(await sessions.listSessions(randomHex())).toEqual([]);
    });

    it('revokes one session once, and every live session of a user at once', async () => {
      const { sessions } = await ctx.open();
      const userKey = randomHex();
      const now = nowSec();
      const [a, b, c] = [newSession({ userKey }), newSession({ userKey }), newSession({ userKey })];
      const bystander = newSession();
      for (const s of [a!, b!, c!, bystander]) await sessions.createSession(s, randomHex(), s.expiresAt);
      expect(await sessions.revokeSession(a!.id, now)).toBe(true);
      expect(await sessions.revokeSession(a!.id, now + 5)).toBe(false);
      expect(await sessions.revokeSession('no-such-session', now)).toBe(false);
      expect((await sessions.getSession(a!.id))?.revokedAt).toBe(now);
      expect(await sessions.revokeUserSessions(userKey, now + 1)).toBe(2);
      expect(await sessions.revokeUserSessions(userKey, now + 2)).toBe(0);
      expect((await sessions.getSession(b!.id))?.revokedAt).toBe(now + 1);
      expect((await sessions.getSession(a!.id))?.revokedAt).toBe(now);
      expect(await sessions.listSessions(userKey)).toEqual([]);
      expect(await sessions.listSessions(bystander.userKey)).toEqual([bystander]);
    });

    it('finds the session of an active or an already rotated refresh token', async () => {
      const { sessions } = await ctx.open();
      const session = newSession();
      const [first, second] = [randomHex(), randomHex()];
      await sessions.createSession(session, first, session.expiresAt);
      expect(await sessions.findSessionByRefreshHash(first)).toEqual(session);
      const now = nowSec();
      await sessions.rotateRefreshToken(first, second, now, session.expiresAt);
      expect((await sessions.findSessionByRefreshHash(first))?.id).toBe(session.id);
      expect((await sessions.findSessionByRefreshHash(second))?.id).toBe(session.id);
      expect(await sessions.findSessionByRefreshHash(randomHex())).toBeUndefined();
    });

    it('keeps sessions across a restart and between instances', async () => {
      const first = await ctx.open();
      const session = newSession({ permissions: [] });
      const [hash, next] = [randomHex(), randomHex()];
      await first.sessions.createSession(session, hash, session.expiresAt);
      await first.close();
      const second = await ctx.open();
      expect(await second.sessions.getSession(session.id)).toEqual(session);
      expect((await second.sessions.rotateRefreshToken(hash, next, nowSec(), session.expiresAt)).outcome).toBe(
        'rotated',
      );
      const third = await ctx.open();
      expect((await third.sessions.rotateRefreshToken(hash, randomHex(), nowSec(), session.expiresAt)).outcome).toBe(
        'reused',
      );
      expect((await second.sessions.getSession(session.id))?.revokedAt).toBeDefined();
    });
  });
}
