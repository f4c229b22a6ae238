import { describe, expect, it } from 'vitest';
import type { LoginRecord, SessionRecord, Stores } from '../../../../src/auth/stores/types.js';
import { InvalidArgument, KeyInvalid } from '../../../../src/errors.js';
import { newSession, nowSec, randomHex, useHarness, type HarnessFactory } from './harness.js';

type BadCall = [string, (stores: Stores) => Promise<unknown>, typeof KeyInvalid | typeof InvalidArgument];

const upperKey = randomHex().toUpperCase();
const login: LoginRecord = { id: 'l1', status: 'pending', createdAt: 1, expiresAt: 2_000_000_000, secretHash: 'h' };
const bad = (overrides: Record<string, unknown>) => ({ ...newSession(), ...overrides }) as SessionRecord;

const BAD_CALLS: BadCall[] = [
  ['non-hex user key', (s) => s.sessions.listSessions('not-a-key'), KeyInvalid],
  ['upper-case user key', (s) => s.users.isKnownUser(upperKey), KeyInvalid],
  ['63-character user key', (s) => s.revocations.setUserNotBefore(randomHex().slice(1), 1), KeyInvalid],
  ['session with a bad user key', (s) => s.sessions.createSession(bad({ userKey: 'npub1xyz' }), 'h', 2), KeyInvalid],
  ['empty session id', (s) => s.sessions.getSession(''), InvalidArgument],
  ['session id with a space', (s) => s.sessions.revokeSession('a b', 1), InvalidArgument],
  ['empty refresh hash', (s) => s.sessions.rotateRefreshToken('', 'n', 1, 2), InvalidArgument],
  ['empty jti', (s) => s.revocations.revokeJti('', 1), InvalidArgument],
  ['empty login id', (s) => s.logins.getLogin(''), InvalidArgument],
  ['fractional time', (s) => s.sessions.touchSession('id', 1.5), InvalidArgument],
  ['negative time', (s) => s.revocations.loadRevocations(-1), InvalidArgument],
  [
    'session without permissions',
    (s) => s.sessions.createSession(bad({ permissions: undefined }), 'h', 2),
    InvalidArgument,
  ],
  ['session with a string time', (s) => s.sessions.createSession(bad({ expiresAt: '5' }), 'h', 2), InvalidArgument],
  ['unknown login status', (s) => s.logins.createLogin({ ...login, status: 'done' as never }), InvalidArgument],
  ['patch with an unknown status', (s) => s.logins.updateLogin('l1', { status: 'nope' as never }), InvalidArgument],
  ['empty expectStatus list', (s) => s.logins.updateLogin('l1', {}, { expectStatus: [] }), InvalidArgument],
  ['patch with a bad user key', (s) => s.logins.updateLogin('l1', { userKey: 'zz' }), KeyInvalid],
  ['no session at all', (s) => s.sessions.createSession(null as never, 'h', 2), InvalidArgument],
  ['client details that are not an object', (s) => s.sessions.touchSession('id', 1, null as never), InvalidArgument],
  ['a login patch that is not an object', (s) => s.logins.updateLogin('l1', null as never), InvalidArgument],
  ['update options that are not an object', (s) => s.logins.updateLogin('l1', {}, 'pending' as never), InvalidArgument],
  ['empty secret hash', (s) => s.logins.claimLoginResult('l1', '', 1), InvalidArgument],
];

export function describeUserAndInputContract(factory: HarnessFactory): void {
  describe('users, readiness and bad input', () => {
    const ctx = useHarness(factory);

    it('remembers users who completed a login, across a restart', async () => {
      const first = await ctx.open();
      const [known, stranger] = [randomHex(), randomHex()];
      expect(await first.users.isKnownUser(known)).toBe(false);
      await first.users.recordLogin(known, nowSec());
      await first.users.recordLogin(known, nowSec() + 1);
      await first.close();
      const second = await ctx.open();
      expect(await second.users.isKnownUser(known)).toBe(true);
      expect(await second.users.isKnownUser(stranger)).toBe(false);
    });

    it('answers a readiness ping', async () => {
      const stores = await ctx.open();
      await expect(stores.ping()).resolves.toBeUndefined();
    });

    it.each(BAD_CALLS)('rejects %s with a typed error and stays usable', async (_name, call, errorClass) => {
      const stores = await ctx.open();
      await expect(call(stores)).rejects.toBeInstanceOf(errorClass);
      const session = newSession();
      await stores.sessions.createSession(session, randomHex(), session.expiresAt);
      expect(await stores.sessions.getSession(session.id)).toEqual(session);
    });
  });
}
