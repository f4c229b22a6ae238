import { describe, expect, it } from 'vitest';
import type { RotateOutcome, Stores } from '../../../../src/auth/stores/types.js';
import { StoreConflict } from '../../../../src/errors.js';
import { newSession, nowSec, randomHex, useHarness, type HarnessFactory } from './harness.js';

export function describeRotationContract(factory: HarnessFactory): void {
  describe('refresh token rotation', () => {
    const ctx = useHarness(factory);

    async function started(stores: Stores, refreshTtlSec = 600) {
      const session = newSession();
      const hash = randomHex();
      await stores.sessions.createSession(session, hash, session.createdAt + refreshTtlSec);
      return { session, hash };
    }

    it('rotates the active token once, then the new one, recording the use', async () => {
      const stores = await ctx.open();
      const { session, hash } = await started(stores);
      const [second, third] = [randomHex(), randomHex()];
      const now = session.createdAt + 60;
      const result = await stores.sessions.rotateRefreshToken(hash, second, now, now + 600);
      expect(result).toEqual({ outcome: 'rotated', session: { ...session, lastUsedAt: now } });
      const again = await stores.sessions.rotateRefreshToken(second, third, now + 1, now + 601);
      expect(again.outcome).toBe('rotated');
      expect((await stores.sessions.getSession(session.id))?.lastUsedAt).toBe(now + 1);
    });

    it("in one call: the new token keeps the old one's expiry, and the client's details are recorded", async () => {
      const stores = await ctx.open();
      const { session, hash } = await started(stores, 100);
      const [second, third] = [randomHex(), randomHex()];
      const now = session.createdAt + 10;
      const meta = { userAgent: 'agent/2', clientIp: '198.51.100.4' };
      expect((await stores.sessions.rotateRefreshToken(hash, second, now, undefined, meta)).outcome).toBe('rotated');
      expect(await stores.sessions.getSession(session.id)).toEqual({ ...session, lastUsedAt: now, ...meta });
      // The inherited expiry holds: past the first token's 100 s, the second one has expired too.
      const late = session.createdAt + 100;
      expect((await stores.sessions.rotateRefreshToken(second, third, late, undefined)).outcome).toBe('expired');
      expect((await stores.sessions.rotateRefreshToken(second, third, late - 1, undefined)).outcome).toBe('rotated');
    });

    it('revokes the whole family when a rotated token is presented again', async () => {
      const stores = await ctx.open();
      const { session, hash } = await started(stores);
      const second = randomHex();
      const now = session.createdAt + 1;
      await stores.sessions.rotateRefreshToken(hash, second, now, now + 600);
      const reuse = await stores.sessions.rotateRefreshToken(hash, randomHex(), now + 2, now + 600);
      expect(reuse).toEqual({ outcome: 'reused', session: { ...session, lastUsedAt: now, revokedAt: now + 2 } });
      // The legitimate holder of the newest token is cut off too: the family is burnt.
      expect((await stores.sessions.rotateRefreshToken(second, randomHex(), now + 3, now + 600)).outcome).toBe(
        'revoked',
      );
      expect(await stores.sessions.listSessions(session.userKey)).toEqual([]);
    });

    it('reports an expired token or session without consuming anything', async () => {
      const stores = await ctx.open();
      const { session, hash } = await started(stores, 100);
      const expiredAt = session.createdAt + 100;
      const result = await stores.sessions.rotateRefreshToken(hash, randomHex(), expiredAt, expiredAt + 100);
      expect(result).toEqual({ outcome: 'expired', session });
      const past = await stores.sessions.rotateRefreshToken(
        hash,
        randomHex(),
        session.expiresAt,
        session.expiresAt + 100,
      );
      expect(past.outcome).toBe('expired');
      expect(
        (await stores.sessions.rotateRefreshToken(hash, randomHex(), expiredAt - 1, expiredAt + 100)).outcome,
      ).toBe('rotated');
    });

    it('refuses tokens of a session that ends before the token does', async () => {
      const stores = await ctx.open();
      const session = newSession({ expiresAt: nowSec() + 50 });
      const hash = randomHex();
      await stores.sessions.createSession(session, hash, session.expiresAt + 1000);
      const result = await stores.sessions.rotateRefreshToken(
        hash,
        randomHex(),
        session.expiresAt,
        session.expiresAt + 1000,
      );
      expect(result.outcome).toBe('expired');
    });

    it('refuses tokens of a revoked session, and unknown tokens', async () => {
      const stores = await ctx.open();
      const { session, hash } = await started(stores);
      await stores.sessions.revokeSession(session.id, session.createdAt + 5);
      const result = await stores.sessions.rotateRefreshToken(
        hash,
        randomHex(),
        session.createdAt + 6,
        session.createdAt + 600,
      );
      expect(result).toEqual({ outcome: 'revoked', session: { ...session, revokedAt: session.createdAt + 5 } });
      expect(await stores.sessions.rotateRefreshToken(randomHex(), randomHex(), nowSec(), nowSec() + 60)).toEqual({
        outcome: 'unknown',
      });
    });

    it('rejects a new hash that is already stored and leaves the old token active', async () => {
      const stores = await ctx.open();
      const { session, hash } = await started(stores);
      const other = await started(stores);
      const now = session.createdAt + 1;
      await expect(stores.sessions.rotateRefreshToken(hash, other.hash, now, now + 60)).rejects.toBeInstanceOf(
        StoreConflict,
      );
      expect((await stores.sessions.rotateRefreshToken(hash, randomHex(), now, now + 60)).outcome).toBe('rotated');
      expect((await stores.sessions.rotateRefreshToken(other.hash, randomHex(), now, now + 60)).outcome).toBe(
        'rotated',
      );
    });

    it('lets exactly one of 50 concurrent rotations of one token win, across instances', async () => {
      const instances = await Promise.all([ctx.open(), ctx.open(), ctx.open()]);
      const { session, hash } = await started(instances[0]!);
      const now = session.createdAt + 1;
      const newHashes = Array.from({ length: 50 }, () => randomHex());
      const results = await Promise.all(
        newHashes.map((newHash, i) =>
          instances[i % instances.length]!.sessions.rotateRefreshToken(hash, newHash, now, now + 600),
        ),
      );
      const outcomes = results.map((r) => r.outcome);
      const count = (outcome: RotateOutcome) => outcomes.filter((o) => o === outcome).length;
      expect(count('rotated')).toBe(1);
      // Every loser presented a rotated token: the first of them burns the family, the rest find it revoked.
      expect(count('reused')).toBeGreaterThanOrEqual(1);
      expect(count('rotated') + count('reused') + count('revoked')).toBe(50);
      const winner = newHashes[outcomes.indexOf('rotated')]!;
      expect((await instances[1]!.sessions.rotateRefreshToken(winner, randomHex(), now + 1, now + 600)).outcome).toBe(
        'revoked',
      );
    });
  });
}
