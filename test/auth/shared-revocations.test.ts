/** openRevocations on a SQLite file a gateway writes: revocations made there are refused, a wrong store is refused at once. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createStores } from '../../src/auth/stores/index.js';
import { openRevocations, type SharedRevocations } from '../../src/index.js';

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const item of opened.splice(0)) await item.close();
});

const user = 'a'.repeat(64);

describe('openRevocations', () => {
  it("loads and follows the revocations of the gateway's store", async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'portal-gateway-shared-')), 'gateway.db');
    const gateway = await createStores({ kind: 'sqlite', path });
    opened.push(gateway);
    await gateway.revocations.revokeJti('before', Math.floor(Date.now() / 1000) + 60);
    const shared: SharedRevocations = await openRevocations({ kind: 'sqlite', path });
    opened.push(shared);
    expect(shared.isRevoked({ jti: 'before', target_key: user, iat: 1 })).toBe(true);
    expect(shared.isRevoked({ jti: 'later', target_key: user, iat: 1 })).toBe(false);
    await gateway.revocations.revokeJti('later', Math.floor(Date.now() / 1000) + 60);
    expect(shared.isRevoked({ jti: 'later', target_key: user, iat: 1 })).toBe(true);
  });

  it('refuses a SQLite path with no gateway store, and a memory store, instead of following nothing', async () => {
    const missing = join(mkdtempSync(join(tmpdir(), 'portal-gateway-shared-')), 'typo.db');
    await expect(openRevocations({ kind: 'sqlite', path: missing })).rejects.toMatchObject({
      code: 'ERR_STORE_UNAVAILABLE',
      message: expect.stringContaining(missing),
    });
    await expect(openRevocations({ kind: 'memory' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
  });
});
