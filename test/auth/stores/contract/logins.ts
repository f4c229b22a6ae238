import { describe, expect, it } from 'vitest';
import type { LoginRecord } from '../../../../src/auth/stores/types.js';
import { StoreConflict } from '../../../../src/errors.js';
import { nextValue, nowSec, randomHex, useHarness, type HarnessFactory } from './harness.js';

function newLogin(overrides: Partial<LoginRecord> = {}): LoginRecord {
  const now = nowSec();
  return {
    id: `l-${randomHex(8)}`,
    status: 'pending',
    createdAt: now,
    expiresAt: now + 300,
    secretHash: randomHex(),
    ...overrides,
  };
}

export function describeLoginContract(factory: HarnessFactory): void {
  describe('logins', () => {
    const ctx = useHarness(factory);

    it('stores a login and refuses a second one with the same id', async () => {
      const { logins } = await ctx.open();
      const login = newLogin({ reason: 'first' });
      await logins.createLogin(login);
      expect(await logins.getLogin(login.id)).toEqual(login);
      expect(await logins.getLogin('no-such-login')).toBeUndefined();
      await expect(logins.createLogin(newLogin({ id: login.id }))).rejects.toBeInstanceOf(StoreConflict);
    });

    it('updates with compare-and-set on the status', async () => {
      const { logins } = await ctx.open();
      const login = newLogin();
      const userKey = randomHex();
      await logins.createLogin(login);
      expect(await logins.updateLogin(login.id, { status: 'handshake', userKey }, { expectStatus: 'pending' })).toBe(
        true,
      );
      expect(await logins.updateLogin(login.id, { status: 'declined' }, { expectStatus: 'pending' })).toBe(false);
      expect(await logins.getLogin(login.id)).toEqual({ ...login, status: 'handshake', userKey });
      expect(
        await logins.updateLogin(
          login.id,
          { status: 'declined', reason: 'no' },
          { expectStatus: ['pending', 'handshake'] },
        ),
      ).toBe(true);
      expect(await logins.updateLogin(login.id, { reason: 'unconditional' })).toBe(true);
      expect(await logins.getLogin(login.id)).toEqual({
        ...login,
        status: 'declined',
        userKey,
        reason: 'unconditional',
      });
      expect(await logins.updateLogin('no-such-login', { status: 'expired' })).toBe(false);
    });

    it('lets exactly one of many concurrent compare-and-set updates win', async () => {
      const instances = [await ctx.open(), await ctx.open()];
      const login = newLogin();
      await instances[0]!.logins.createLogin(login);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          instances[i % 2]!.logins.updateLogin(
            login.id,
            { status: 'approved', reason: `winner ${i}` },
            { expectStatus: 'pending' },
          ),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await instances[1]!.logins.getLogin(login.id))?.reason).toBe(`winner ${results.indexOf(true)}`);
    });

    it('hands an approved result out exactly once, and only to the holder of the secret', async () => {
      const instances = [await ctx.open(), await ctx.open()];
      const { logins } = instances[0]!;
      const login = newLogin();
      const now = login.createdAt + 5;
      await logins.createLogin(login);
      expect(await logins.claimLoginResult(login.id, login.secretHash, now)).toBeUndefined();
      await logins.updateLogin(login.id, { status: 'approved', sealedResult: 'sealed-bytes' });
      expect(await logins.claimLoginResult(login.id, randomHex(), now)).toBeUndefined();
      expect(await logins.claimLoginResult(login.id, login.secretHash, login.expiresAt)).toBeUndefined();
      const claims = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          instances[i % 2]!.logins.claimLoginResult(login.id, login.secretHash, now),
        ),
      );
      const won = claims.filter((c) => c !== undefined);
      expect(won).toEqual([{ ...login, status: 'approved', sealedResult: 'sealed-bytes', claimedAt: now }]);
      expect(await logins.getLogin(login.id)).toEqual({ ...login, status: 'approved', claimedAt: now });
    });

    it('notifies watchers on every instance when a login changes', async () => {
      const [a, b] = [await ctx.open(), await ctx.open()];
      const login = newLogin();
      await a.logins.createLogin(login);
      const seenByB = nextValue<string>(
        (l) => b.logins.watchLogins(l),
        (id) => id === login.id,
      );
      const seenByA = nextValue<string>(
        (l) => a.logins.watchLogins(l),
        (id) => id === login.id,
      );
      await a.logins.updateLogin(login.id, { status: 'approved', sealedResult: 'x' });
      await Promise.all([seenByB, seenByA]);
      const claimSeenByA = nextValue<string>(
        (l) => a.logins.watchLogins(l),
        (id) => id === login.id,
      );
      expect(await b.logins.claimLoginResult(login.id, login.secretHash, nowSec())).toBeDefined();
      await claimSeenByA;
      expect(await b.logins.updateLogin(login.id, { status: 'expired' }, { expectStatus: 'pending' })).toBe(false);
    });

    it('keeps logins across a restart', async () => {
      const first = await ctx.open();
      const login = newLogin({ status: 'approved', sealedResult: 'kept' });
      await first.logins.createLogin(login);
      await first.close();
      const second = await ctx.open();
      expect(await second.logins.getLogin(login.id)).toEqual(login);
    });
  });
}
