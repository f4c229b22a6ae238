/**
 * The revocation check alone, in this process: RequestAuthenticator.authenticateAny on a verified-token
 * cache hit (what the reused-token rows do per request), with and without a filled revocation list,
 * timed in CPU time over interleaved rounds. Whatever the machine is doing, this says how many
 * nanoseconds the check adds to a request.
 */
import { RevocationList } from '../../src/auth/revocation-list.js';
import { createStores } from '../../src/auth/stores/index.js';
import { TokenVerifier } from '../../src/jwt/token-verifier.js';
import { RequestAuthenticator } from '../../src/access/request-authenticator.js';
import { fillRevocations } from './revocation-fill.js';

const BATCH = 200_000;
const ROUNDS = 11;

export interface CheckCost {
  withoutNs: number;
  withNs: number;
}

function nsPerCall(authenticator: RequestAuthenticator, token: string): number {
  const start = process.cpuUsage();
  // No verify pool: a cache hit answers synchronously, as on the request path.
  for (let i = 0; i < BATCH; i++) authenticator.authenticateAny(token);
  const spent = process.cpuUsage(start);
  return ((spent.user + spent.system) * 1000) / BATCH;
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[values.length >> 1]!;
}

export async function measureCheckCost(token: string, serviceKey: string, userKey: string): Promise<CheckCost> {
  const stores = await createStores({ kind: 'memory' });
  const list = new RevocationList(stores.revocations);
  await list.start();
  try {
    await fillRevocations(list, stores.revocations, userKey);
    const verifier = new TokenVerifier({ issuers: [serviceKey] });
    const without = new RequestAuthenticator({ verifier });
    const checked = new RequestAuthenticator({ verifier, revocations: list });
    nsPerCall(without, token); // first verification (cache miss) and JIT warm-up for both
    nsPerCall(checked, token);
    const rounds = { without: [] as number[], checked: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      rounds.without.push(nsPerCall(without, token));
      rounds.checked.push(nsPerCall(checked, token));
    }
    return { withoutNs: median(rounds.without), withNs: median(rounds.checked) };
  } finally {
    list.stop();
    await stores.close();
  }
}
