/**
 * Concurrency-test child: once told "go" on stdin, presents the first token of every family with a
 * new hash of its own and reports each outcome as `<family> <outcome>`.
 * Usage: node --import tsx sqlite-race-child.ts <db path> <seed> <families> <child number>
 */
import { createInterface } from 'node:readline';
import { createSqliteStores } from '../../../src/auth/stores/sqlite/index.js';
import { chainHash } from './rotation-chain.js';

const [path, seed, familiesText, childText] = process.argv.slice(2);
if (!path || !seed || !familiesText || !childText)
  throw new Error('usage: sqlite-race-child.ts <db path> <seed> <families> <child>');
const stores = createSqliteStores(path);
process.stdout.write('ready\n');
for await (const line of createInterface({ input: process.stdin })) if (line === 'go') break;

const now = Math.floor(Date.now() / 1000);
for (let family = 0; family < Number(familiesText); family += 1) {
  // Index 1000 + child keeps every child's new hash distinct from the others'.
  const newHash = chainHash(seed, family, 1000 + Number(childText));
  const result = await stores.sessions.rotateRefreshToken(chainHash(seed, family, 0), newHash, now, now + 600);
  process.stdout.write(`${family} ${result.outcome}\n`);
}
await stores.close();
