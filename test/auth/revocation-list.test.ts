import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RevocationList } from '../../src/auth/revocation-list.js';
import { createMemoryStores, MemoryBackend } from '../../src/auth/stores/memory/index.js';
import { createSqliteStores } from '../../src/auth/stores/sqlite/index.js';
import { StoreUnavailable } from '../../src/errors.js';

const alice = 'a'.repeat(64);
const bob = 'b'.repeat(64);

/** A list on a shared memory backend with a clock the test moves. */
function setup(backend = new MemoryBackend(), start = 1_000_000) {
  const clock = { now: start };
  const stores = createMemoryStores(backend);
  const list = new RevocationList(stores.revocations, { now: () => clock.now, clockToleranceSec: 60 });
  return { backend, stores, list, clock };
}

describe('RevocationList', () => {
  const lists: RevocationList[] = [];
  const started = async (list: RevocationList) => {
    lists.push(list);
    await list.start();
    return list;
  };
  afterEach(() => lists.splice(0).forEach((list) => list.stop()));

  it('is warmed with the revocations already in the store', async () => {
    const { stores, list, clock } = setup();
    await stores.revocations.revokeJti('old-logout', clock.now + 300);
    await stores.revocations.setUserNotBefore(alice, clock.now - 100);
    await started(list);
    expect(list.isRevoked({ jti: 'old-logout', target_key: bob, iat: clock.now })).toBe(true);
    expect(list.isRevoked({ target_key: alice, iat: clock.now - 101 })).toBe(true);
    expect(list.isRevoked({ target_key: alice, iat: clock.now - 100 })).toBe(false);
    expect(list.size).toEqual({ jtis: 1, users: 1 });
  });

  it('checks the jti deny-list and the per-user watermark, and nothing else', async () => {
    const { list, clock } = setup();
    await started(list);
    await list.revokeJti('gone', clock.now + 60);
    expect(list.isRevoked({ jti: 'gone', target_key: alice, iat: clock.now })).toBe(true);
    expect(list.isRevoked({ jti: 'other', target_key: alice, iat: clock.now })).toBe(false);
    expect(list.isRevoked({ jti: 42, target_key: alice, iat: clock.now })).toBe(false);
    expect(list.isRevoked({ target_key: alice })).toBe(false);
  });

  it('ends every access token of one session, and nothing else', async () => {
    const { list, clock } = setup();
    await started(list);
    await list.revokeSession('s1', clock.now + 900);
    expect(list.isRevoked({ sid: 's1', jti: 'any', target_key: alice, iat: clock.now })).toBe(true);
    expect(list.isRevoked({ sid: 's2', jti: 'any', target_key: alice, iat: clock.now })).toBe(false);
    // A jti that happens to equal the session id is a different entry.
    expect(list.isRevoked({ jti: 's1', target_key: alice, iat: clock.now })).toBe(false);
  });

  it('logs a user out everywhere: every token up to this second, not later ones nor other users', async () => {
    const { list, stores, clock } = setup();
    await started(list);
    expect(await list.logoutEverywhere(alice)).toBe(clock.now + 1);
    expect(list.isRevoked({ target_key: alice, iat: clock.now })).toBe(true);
    expect(list.isRevoked({ target_key: alice })).toBe(true);
    expect(list.isRevoked({ target_key: alice, iat: clock.now + 1 })).toBe(false);
    expect(list.isRevoked({ target_key: bob, iat: clock.now - 1000 })).toBe(false);
    // Wallet-issued tokens name the gateway as target: the caller passes the signer as the user.
    expect(list.isRevoked({ target_key: bob, iat: clock.now }, alice)).toBe(true);
    expect((await stores.revocations.loadRevocations(clock.now)).userNotBefore).toEqual([
      { userKey: alice, notBefore: clock.now + 1 },
    ]);
  });

  it('never lowers a watermark, whatever order the updates arrive in', async () => {
    const { list, stores, clock } = setup();
    await started(list);
    await stores.revocations.setUserNotBefore(alice, clock.now + 500);
    await list.logoutEverywhere(alice);
    expect(list.isRevoked({ target_key: alice, iat: clock.now + 499 })).toBe(true);
  });

  it('follows revocations made through another instance on the same store', async () => {
    const backend = new MemoryBackend();
    const a = setup(backend);
    const b = setup(backend);
    await started(a.list);
    await started(b.list);
    await a.list.revokeJti('from-a', a.clock.now + 60);
    await a.list.logoutEverywhere(bob);
    expect(b.list.isRevoked({ jti: 'from-a', target_key: alice, iat: b.clock.now })).toBe(true);
    expect(b.list.isRevoked({ target_key: bob, iat: b.clock.now })).toBe(true);
  });

  it('keeps a jti until the verifier stops accepting its token, then prunes it', async () => {
    const { list, clock } = setup();
    await started(list);
    await list.revokeJti('short', clock.now + 10);
    clock.now += 10 + 59;
    list.prune();
    expect(list.isRevoked({ jti: 'short', target_key: alice })).toBe(true);
    clock.now += 1;
    list.prune();
    expect(list.isRevoked({ jti: 'short', target_key: alice })).toBe(false);
    expect(list.size.jtis).toBe(0);
  });

  it('stops following the store once stopped', async () => {
    const backend = new MemoryBackend();
    const a = setup(backend);
    const b = setup(backend);
    await started(a.list);
    await started(b.list);
    b.list.stop();
    await a.list.revokeJti('after-stop', a.clock.now + 60);
    expect(b.list.isRevoked({ jti: 'after-stop', target_key: alice })).toBe(false);
  });

  it('fails to start with the store error when the store cannot be read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portal-gateway-revocation-'));
    try {
      const stores = createSqliteStores(join(dir, 'gateway.sqlite'));
      await stores.close();
      const list = new RevocationList(stores.revocations);
      await expect(list.start()).rejects.toBeInstanceOf(StoreUnavailable);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
