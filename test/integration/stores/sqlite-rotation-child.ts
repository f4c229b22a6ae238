/**
 * Crash-test child: rotates refresh tokens of several families round-robin, forever, and reports
 * each token on stdout only after the store has returned it (so it must survive a SIGKILL).
 * Usage: node --import tsx sqlite-rotation-child.ts <db path> <seed> <families>
 */
import { createSqliteStores } from '../../../src/auth/stores/sqlite/index.js';
import { chainHash, chainUserKey, familySessionId } from './rotation-chain.js';

const [path, seed, familiesText] = process.argv.slice(2);
if (!path || !seed || !familiesText) throw new Error('usage: sqlite-rotation-child.ts <db path> <seed> <families>');
const families = Number(familiesText);
const stores = createSqliteStores(path);
const now = Math.floor(Date.now() / 1000);
const expiresAt = now + 3600;

for (let family = 0; family < families; family += 1) {
  const session = {
    id: familySessionId(family),
    userKey: chainUserKey(seed),
    createdAt: now,
    lastUsedAt: now,
    expiresAt,
    permissions: [],
  };
  await stores.sessions.createSession(session, chainHash(seed, family, 0), expiresAt);
  process.stdout.write(`issued ${family} 0\n`);
}
for (let index = 0; ; index += 1) {
  for (let family = 0; family < families; family += 1) {
    const result = await stores.sessions.rotateRefreshToken(
      chainHash(seed, family, index),
      chainHash(seed, family, index + 1),
      now,
      expiresAt,
    );
    if (result.outcome !== 'rotated') {
      process.stderr.write(`family ${family} token ${index}: ${result.outcome}\n`);
      process.exit(1);
    }
    process.stdout.write(`issued ${family} ${index + 1}\n`);
  }
}
