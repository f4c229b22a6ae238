/**
 * JWT benchmark: our verification and issuance against jose@5 (ES256K) measured in the same run, so the
 * ratios hold on any machine. Run with `npm run bench:jwt`; `PORTAL_GATEWAY_CRYPTO=portable npm run
 * bench:jwt` measures the fallback crypto backend.
 */
import { createECDH, randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { SignJWT, importJWK, jwtVerify, type JWK, type JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import { Bench, type Task, type TimestampProvider } from 'tinybench';
import {
  RequestAuthenticator,
  TokenVerifier,
  createJwtIssuer,
  cryptoBackendName,
  generateKeyPair,
  issueJwt,
  verifyJwt,
} from '../src/index.js';

/** Distinct tokens for the cold runs, cycled (verifyJwt keeps no cache, so a repeat later on is still cold). */
const COLD_POOL_SIZE = 20_000;
/** Tokens kept warm in the caches: a realistic set of active sessions. */
const HOT_SET_SIZE = 1_000;
/** Cache hits take well under a microsecond: time them in batches so the timer does not dominate. */
const HIT_BATCH = 1_000;
const ROUNDS = 12;
const TIME_PER_ROUND_MS = 200;

/**
 * Timestamps in CPU time of this process (user + system, microsecond resolution) instead of wall time:
 * the machine is shared, and CPU time per operation does not grow when other processes take turns on
 * the cores. On an idle machine both clocks give the same numbers for this single-threaded work.
 */
const cpuTimeProvider: TimestampProvider = {
  name: 'process.cpuUsage',
  fn: () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  },
  fromMs: (ms) => ms,
  toMs: (value) => Number(value),
};

interface Signer {
  secretHex: string;
  publicKeyHex: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

/** A key whose point has even y, so jose can use it as is (x-only keys lift to even y). */
function evenYSigner(): Signer {
  for (;;) {
    const secret = randomBytes(32);
    const ecdh = createECDH('secp256k1');
    ecdh.setPrivateKey(secret);
    const point = ecdh.getPublicKey(null, 'uncompressed');
    if (point[64]! % 2 !== 0) continue;
    const publicJwk: JWK = {
      kty: 'EC',
      crv: 'secp256k1',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33).toString('base64url'),
    };
    return {
      secretHex: secret.toString('hex'),
      publicKeyHex: point.subarray(1, 33).toString('hex'),
      publicJwk,
      privateJwk: { ...publicJwk, d: secret.toString('base64url') },
    };
  }
}

const signer = evenYSigner();
// One user per token, so nothing about a cold verification repeats (each target key is lifted afresh).
const targets = Array.from({ length: COLD_POOL_SIZE }, () => generateKeyPair().publicKey);
const issuer = createJwtIssuer(signer.secretHex);
const nowSec = Math.floor(Date.now() / 1000);
const coldPool = targets.map((target) => issuer.issue(target, { ttlSec: 3600, now: nowSec - 60 }));
const hotSet = coldPool.slice(0, HOT_SET_SIZE);

const josePublicKey = await importJWK(signer.publicJwk, 'ES256K');
const josePrivateKey = await importJWK(signer.privateJwk, 'ES256K');
const joseOptions = { algorithms: ['ES256K'] };

// What a team would add by hand in front of jose: token text -> payload, exp re-checked on a hit.
const joseCache = new LRUCache<string, JWTPayload>({ max: 10_000 });
function joseCachedHit(token: string): JWTPayload {
  const payload = joseCache.get(token);
  if (!payload) throw new Error('benchmark set-up: the jose cache was not warmed');
  if (payload.exp! <= Math.floor(Date.now() / 1000)) throw new Error('expired');
  return payload;
}

const verifier = new TokenVerifier({ issuers: [signer.publicKeyHex], cacheSize: 10_000 });
for (const token of hotSet) {
  verifier.verify(token);
  joseCache.set(token, (await jwtVerify(token, josePublicKey, joseOptions)).payload);
}

// The gateway's path for a token it has not seen: cache lookup, parse, signature, claims, the identity built
// and cached. The cold pool is twice the cache, so every call misses.
const gatewayAuthenticator = new RequestAuthenticator({
  verifier: new TokenVerifier({ issuers: [signer.publicKeyHex], cacheSize: COLD_POOL_SIZE / 2 }),
});

// Sanity: every contestant accepts the same token and returns the same claims.
const probe = coldPool[COLD_POOL_SIZE - 1]!;
const probeClaims = JSON.stringify(verifyJwt(signer.publicKeyHex, probe));
if (JSON.stringify((await jwtVerify(probe, josePublicKey, joseOptions)).payload) !== probeClaims)
  throw new Error('jose and ours disagree');

let coldIndex = 0;
let gatewayColdIndex = 0;
let joseColdIndex = 0;
let hotIndex = 0;
let joseHotIndex = 0;
let issueIndex = 0;

interface Contestant {
  name: string;
  /** Ratios are taken against the baseline of the same group, measured in the same round. */
  group: 'verify' | 'issue';
  baseline?: true;
  /** Operations per call of `fn`. */
  batch: number;
  fn: () => unknown;
}

const contestants: Contestant[] = [
  {
    name: 'verify: jose@5 jwtVerify (baseline)',
    group: 'verify',
    baseline: true,
    batch: 1,
    fn: async () => jwtVerify(coldPool[joseColdIndex++ % COLD_POOL_SIZE]!, josePublicKey, joseOptions),
  },
  {
    name: 'verify: ours, cold (new token each call)',
    group: 'verify',
    batch: 1,
    fn: () => verifyJwt(signer.publicKeyHex, coldPool[coldIndex++ % COLD_POOL_SIZE]!),
  },
  {
    name: 'verify: ours, gateway miss (new token each call)',
    group: 'verify',
    batch: 1,
    fn: () => gatewayAuthenticator.authenticateAny(coldPool[gatewayColdIndex++ % COLD_POOL_SIZE]!),
  },
  {
    name: 'verify: jose@5 behind lru-cache (hit)',
    group: 'verify',
    batch: HIT_BATCH,
    fn: () => {
      for (let i = 0; i < HIT_BATCH; i++) joseCachedHit(hotSet[joseHotIndex++ % HOT_SET_SIZE]!);
    },
  },
  {
    name: 'verify: ours, TokenVerifier cache hit',
    group: 'verify',
    batch: HIT_BATCH,
    fn: () => {
      for (let i = 0; i < HIT_BATCH; i++) verifier.verify(hotSet[hotIndex++ % HOT_SET_SIZE]!);
    },
  },
  {
    name: 'issue: jose@5 SignJWT ES256K (baseline)',
    group: 'issue',
    baseline: true,
    batch: 1,
    fn: async () => {
      const iat = nowSec + (issueIndex++ % 1000);
      const claims = { exp: iat + 3600, nbf: iat, iat, target_key: targets[issueIndex % COLD_POOL_SIZE] };
      return new SignJWT(claims).setProtectedHeader({ alg: 'ES256K' }).sign(josePrivateKey);
    },
  },
  {
    name: 'issue: ours, createJwtIssuer().issue',
    group: 'issue',
    batch: 1,
    fn: () =>
      issuer.issue(targets[issueIndex++ % COLD_POOL_SIZE]!, { ttlSec: 3600, now: nowSec + (issueIndex % 1000) }),
  },
  {
    name: 'issue: ours, issueJwt (parses the key each call)',
    group: 'issue',
    batch: 1,
    fn: () =>
      issueJwt(signer.secretHex, targets[issueIndex++ % COLD_POOL_SIZE]!, 1, { now: nowSec + (issueIndex % 1000) }),
  },
];

function opsPerSec(task: Task, batch: number): number {
  const result = task.result;
  if (result.state !== 'completed')
    throw new Error(`${task.name}: ${result.state === 'errored' ? String(result.error) : result.state}`);
  return (batch * 1000) / result.period; // period: mean time per call in ms
}

// Short interleaved rounds, then medians: every ratio compares two measurements taken moments apart.
const opsByName = new Map<string, number[]>(contestants.map((c) => [c.name, []]));
const ratiosByName = new Map<string, number[]>(contestants.map((c) => [c.name, []]));
for (let round = 0; round < ROUNDS; round++) {
  const bench = new Bench({ time: TIME_PER_ROUND_MS, warmupTime: 50, timestampProvider: cpuTimeProvider });
  for (const c of contestants) bench.add(c.name, c.fn as () => void);
  await bench.run();
  const ops = new Map(contestants.map((c) => [c.name, opsPerSec(bench.getTask(c.name)!, c.batch)]));
  for (const c of contestants) {
    const baseline = contestants.find((b) => b.group === c.group && b.baseline)!;
    opsByName.get(c.name)!.push(ops.get(c.name)!);
    ratiosByName.get(c.name)!.push(ops.get(c.name)! / ops.get(baseline.name)!);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const formatRatio = (ratio: number) => `${ratio.toFixed(ratio < 10 ? 2 : 0)}x`;
const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
console.log(`JWT benchmark, ${new Date().toISOString().slice(0, 10)}`);
console.log(
  `crypto backend: ${cryptoBackendName}; Node ${process.version}; ${process.platform}/${process.arch}; ${cpus().length} cores (${cpu})`,
);
console.log(
  `clock: CPU time of this process; load average at the end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(
  `cold pool ${COLD_POOL_SIZE} tokens (one user each), hot set ${HOT_SET_SIZE} tokens; ${ROUNDS} rounds of ${TIME_PER_ROUND_MS} ms per task; medians\n`,
);
const nameWidth = Math.max(...contestants.map((c) => c.name.length));
console.log(
  `${'task'.padEnd(nameWidth)}  ${'ops/cpu-s'.padStart(12)}  ${'vs jose'.padStart(8)}  ${'ratio range'.padStart(16)}`,
);
for (const c of contestants) {
  const ratios = ratiosByName.get(c.name)!;
  const range = c.baseline ? '' : `${formatRatio(Math.min(...ratios))}-${formatRatio(Math.max(...ratios))}`;
  console.log(
    `${c.name.padEnd(nameWidth)}  ${Math.round(median(opsByName.get(c.name)!))
      .toLocaleString('en-US')
      .padStart(12)}  ${formatRatio(median(ratios)).padStart(8)}  ${range.padStart(16)}`,
  );
}

const goals: [string, string, number][] = [
  ['cold verify', 'verify: ours, cold (new token each call)', 5],
  ['cached verify', 'verify: ours, TokenVerifier cache hit', 100],
  ['issue', 'issue: ours, createJwtIssuer().issue', 3],
];
console.log('');
for (const [what, name, goal] of goals) {
  const ratio = median(ratiosByName.get(name)!);
  console.log(`goal: ${what} >= ${goal}x jose: ${formatRatio(ratio)} ${ratio >= goal ? 'met' : 'MISSED'}`);
}
