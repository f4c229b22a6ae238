import { describe, expect, it } from 'vitest';
import type { RevocationEvent } from '../../../../src/auth/stores/types.js';
import { nextValue, nowSec, randomHex, useHarness, type HarnessFactory } from './harness.js';

export function describeRevocationContract(factory: HarnessFactory): void {
  describe('revocations', () => {
    const ctx = useHarness(factory);

    it('deny-lists a jti until it expires, keeping the later expiry', async () => {
      const { revocations } = await ctx.open();
      const now = nowSec();
      await revocations.revokeJti('jti-live', now + 300);
      await revocations.revokeJti('jti-live', now + 100);
      await revocations.revokeJti('jti-dead', now - 1);
      await revocations.revokeJti('jti-ends-now', now);
      const snapshot = await revocations.loadRevocations(now);
      expect(snapshot.jtis).toEqual([{ jti: 'jti-live', expiresAt: now + 300 }]);
      expect((await revocations.loadRevocations(now + 300)).jtis).toEqual([]);
    });

    it('only ever raises a user not-before watermark', async () => {
      const { revocations } = await ctx.open();
      const [alice, bob] = [randomHex(), randomHex()];
      expect(await revocations.setUserNotBefore(alice, 1000)).toBe(1000);
      expect(await revocations.setUserNotBefore(alice, 900)).toBe(1000);
      expect(await revocations.setUserNotBefore(alice, 2000)).toBe(2000);
      expect(await revocations.setUserNotBefore(bob, 5)).toBe(5);
      const { userNotBefore } = await revocations.loadRevocations(nowSec());
      const sorted = [...userNotBefore].sort((a, b) => a.notBefore - b.notBefore);
      expect(sorted).toEqual([
        { userKey: bob, notBefore: 5 },
        { userKey: alice, notBefore: 2000 },
      ]);
    });

    it('tells its own subscribers about every revocation, until they unsubscribe', async () => {
      const { revocations } = await ctx.open();
      const heard: RevocationEvent[] = [];
      const unsubscribe = revocations.subscribe((event) => heard.push(event));
      const user = randomHex();
      const expiresAt = nowSec() + 60;
      const jtiEvent = nextValue<RevocationEvent>(
        (l) => revocations.subscribe(l),
        (e) => e.kind === 'jti',
      );
      await revocations.revokeJti('jti-1', expiresAt);
      expect(await jtiEvent).toEqual({ kind: 'jti', jti: 'jti-1', expiresAt });
      const userEvent = nextValue<RevocationEvent>(
        (l) => revocations.subscribe(l),
        (e) => e.kind === 'not-before',
      );
      await revocations.setUserNotBefore(user, 1234);
      expect(await userEvent).toEqual({ kind: 'not-before', userKey: user, notBefore: 1234 });
      unsubscribe();
      const after = nextValue<RevocationEvent>(
        (l) => revocations.subscribe(l),
        (e) => e.kind === 'jti',
      );
      await revocations.revokeJti('jti-2', nowSec() + 60);
      await after;
      expect(heard).toEqual([
        { kind: 'jti', jti: 'jti-1', expiresAt },
        { kind: 'not-before', userKey: user, notBefore: 1234 },
      ]);
    });

    it('delivers a revocation made on one instance to another within one second', async () => {
      const [a, b] = [await ctx.open(), await ctx.open()];
      const user = randomHex();
      const onB = nextValue<RevocationEvent>(
        (l) => b.revocations.subscribe(l),
        (e) => e.kind === 'not-before',
        1000,
      );
      await a.revocations.setUserNotBefore(user, 4242);
      expect(await onB).toEqual({ kind: 'not-before', userKey: user, notBefore: 4242 });
      const expiresAt = nowSec() + 60;
      const onA = nextValue<RevocationEvent>(
        (l) => a.revocations.subscribe(l),
        (e) => e.kind === 'jti',
        1000,
      );
      await b.revocations.revokeJti('from-b', expiresAt);
      expect(await onA).toEqual({ kind: 'jti', jti: 'from-b', expiresAt });
    });

    it('keeps revocations across a restart', async () => {
      const first = await ctx.open();
      const user = randomHex();
      const expiresAt = nowSec() + 60;
      await first.revocations.revokeJti('kept', expiresAt);
      await first.revocations.setUserNotBefore(user, 77);
      await first.close();
      const second = await ctx.open();
      expect(await second.revocations.loadRevocations(nowSec())).toEqual({
        jtis: [{ jti: 'kept', expiresAt }],
        userNotBefore: [{ userKey: user, notBefore: 77 }],
      });
    });
  });
}
