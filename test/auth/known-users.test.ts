/** KnownUsers: allow-listed keys, users who logged in (from the store), and which answers are cached. */
import { describe, expect, it } from 'vitest';
import { KnownUsers } from '../../src/auth/known-users.js';
import { createMemoryStores } from '../../src/auth/stores/memory/index.js';
import { StoreUnavailable } from '../../src/errors.js';
import { generateKeyPair } from '../../src/index.js';

/** A memory user store that counts the lookups reaching it. */
function countingStore() {
  const { users } = createMemoryStores();
  const counter = { lookups: 0 };
  return {
    users,
    counter,
    store: {
      isKnownUser: (key: string) => {
        counter.lookups++;
        return users.isKnownUser(key);
      },
    },
  };
}

describe('KnownUsers', () => {
  it('knows allow-listed keys without asking the store', async () => {
    const { store, counter } = countingStore();
    const listed = generateKeyPair().publicKey;
    const known = new KnownUsers(store, { allowList: [listed] });
    expect(await known.isKnown(listed)).toBe(true);
    expect(counter.lookups).toBe(0);
  });

  it('knows users who completed a login, asking the store once per user', async () => {
    const { store, counter, users } = countingStore();
    const user = generateKeyPair().publicKey;
    await users.recordLogin(user, 1_750_000_000);
    const known = new KnownUsers(store);
    expect(await known.isKnown(user)).toBe(true);
    expect(await known.isKnown(user)).toBe(true);
    expect(counter.lookups).toBe(1);
  });

  it('does not remember "unknown": a user is known the moment their first login completes', async () => {
    const { store, counter, users } = countingStore();
    const user = generateKeyPair().publicKey;
    const known = new KnownUsers(store);
    expect(await known.isKnown(user)).toBe(false);
    await users.recordLogin(user, 1_750_000_000);
    expect(await known.isKnown(user)).toBe(true);
    expect(counter.lookups).toBe(2);
  });

  it('keeps at most cacheSize positive answers', async () => {
    const { store, counter, users } = countingStore();
    const keys = [generateKeyPair().publicKey, generateKeyPair().publicKey, generateKeyPair().publicKey];
    for (const key of keys) await users.recordLogin(key, 1_750_000_000);
    const known = new KnownUsers(store, { cacheSize: 2 });
    for (const key of keys) await known.isKnown(key);
    expect(counter.lookups).toBe(3);
    await known.isKnown(keys[0]!); // evicted by the third: asked again
    await known.isKnown(keys[2]!); // still cached
    expect(counter.lookups).toBe(4);
  });

  it('passes the store error on', async () => {
    const known = new KnownUsers({ isKnownUser: async () => Promise.reject(new StoreUnavailable('store down')) });
    await expect(known.isKnown(generateKeyPair().publicKey)).rejects.toThrow(StoreUnavailable);
  });
});
