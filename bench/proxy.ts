/**
 * Proxy benchmark: req/s and p99 latency of the gateway against the same upstream reached directly,
 * through a plain @fastify/http-proxy, and through a hand-built jose@5 proxy, all in one run so that the
 * ratios hold on any machine. Each server runs in its own process; autocannon drives load from this one.
 *
 *   npm run bench:proxy [-- --duration 10 --rounds 10 --warmup 3 --round-warmup 1 --connections 50 --gateway-log warn|info]
 *
 * (or PROXY_BENCH_DURATION, _ROUNDS, _WARMUP, _ROUND_WARMUP, _CONNECTIONS, _GATEWAY_LOG in the environment).
 */
import { cpus, loadavg } from 'node:os';
import { DEFAULT_CONFIG } from '../src/config/defaults.js';
import { cryptoBackendName, generateKeyPair } from '../src/index.js';
import { startChild, type ChildServer } from './proxy/children.js';
import { PATH, runLoad } from './proxy/load.js';
import { benchOptions } from './proxy/options.js';
import { printGoals, printTable, type Row, type RowKey } from './proxy/report.js';
import { TokenCursor, benchKeys, tokenPool } from './proxy/tokens.js';

interface Target {
  row: Row;
  server: ChildServer;
  /** Must answer 401 without a token. */
  authenticates: boolean;
  /** Token per request; replaced by a fresh cursor between warm-up and measurement on the new-token rows. */
  token: () => string;
  cursor?: TokenCursor;
}

const options = benchOptions();
const keys = benchKeys();
const reusedToken = keys.issuer.issue(generateKeyPair().publicKey, { ttlSec: 6 * 3600 });
const loadAverage = () => loadavg().map((l) => l.toFixed(2)).join(' ');

console.log(`Proxy benchmark, ${new Date().toISOString()}`);
console.log(`Node ${process.version}; crypto backend: ${cryptoBackendName}; ${process.platform}/${process.arch}; ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'})`);
console.log(
  `autocannon: ${options.connections} connections, pipelining 1; per target ${options.warmupSec} s warm-up, then ${options.durationSec} s measured in ${options.rounds} interleaved rounds (each after ${options.roundWarmupSec} s of untimed load); ` +
    `gateway log level ${options.gatewayLog}, verify threads ${DEFAULT_CONFIG.tokens.verifyThreads} (default); load average at start ${loadAverage()}`,
);

/** Fails the run early when a target does not behave as its row assumes (a 401 flood measures nothing). */
async function expectStatus(url: string, token: string | undefined, status: number): Promise<void> {
  const response = await fetch(url + PATH, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const body = await response.text();
  if (response.status !== status || (status === 200 && !body.includes('bench-upstream'))) {
    throw new Error(`${url}${PATH}: expected ${status}, got ${response.status}`);
  }
}

async function cacheHitRatio(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = /^portal_gateway_verify_cache_hit_ratio (\S+)$/m.exec(text);
  if (!match) throw new Error('gateway /metrics has no verify cache hit ratio');
  return Number(match[1]);
}

const servers: ChildServer[] = [];
async function start(file: string, env: Record<string, string> = {}): Promise<ChildServer> {
  const server = await startChild(file, env);
  servers.push(server);
  return server;
}

try {
  const upstream = await start('upstream');
  const proxyEnv = { UPSTREAM_URL: upstream.url };
  const gatewayEnv = { ...proxyEnv, BENCH_SERVICE_KEY: keys.serviceSecret, BENCH_GATEWAY_LOG: options.gatewayLog };
  const same = () => reusedToken;
  const target = (key: RowKey, name: string, server: ChildServer, authenticates: boolean): Target => ({
    row: { key, name, rounds: [] },
    server,
    authenticates,
    token: same,
  });
  // Rows 3 and 4 get a gateway process each, so the new-token row starts from a cold cache of its own.
  const targets = [
    target('direct', '1. upstream, direct (baseline)', upstream, false),
    target('plain', '2. @fastify/http-proxy, no auth', await start('plain-proxy', proxyEnv), false),
    target('reused', '3. gateway, one reused token', await start('gateway', gatewayEnv), true),
    target('fresh', '4. gateway, new token per request', await start('gateway', gatewayEnv), true),
    target('jose', '5. hand-built jose@5 ES256K proxy', await start('jose-proxy', { ...proxyEnv, BENCH_PUBLIC_JWK: JSON.stringify(keys.publicJwk) }), true),
  ];
  const newTokenRows = targets.filter((t) => t.row.key === 'fresh' || t.row.key === 'jose');

  for (const t of targets) {
    if (t.authenticates) await expectStatus(t.server.url, undefined, 401);
    await expectStatus(t.server.url, reusedToken, 200);
  }

  // Warm-up tokens: more than the verified-token cache holds, so even cycling through them never hits.
  const warmPool = tokenPool(keys.issuer, DEFAULT_CONFIG.tokens.verifyCacheSize + 2_000);
  for (const t of newTokenRows) t.token = new TokenCursor(warmPool).take;
  const warmRates = new Map<Target, number>();
  for (const t of targets) {
    warmRates.set(t, (await runLoad(t.server.url, { connections: options.connections, durationSec: options.warmupSec, nextToken: t.token, serverPid: t.server.pid })).reqPerSec);
  }

  // Measured tokens, sized so that none repeats: no proxy row can outrun the fastest proxy's warm-up
  // rate by much (twice over: warm-up runs colder, and outside load comes and goes).
  const proxyWarmRates = targets.filter((t) => t.row.key !== 'direct').map((t) => warmRates.get(t)!);
  const poolSize = Math.ceil(Math.max(...proxyWarmRates) * (options.durationSec + options.rounds * options.roundWarmupSec) * 2) + 1_000;
  const issueStart = performance.now();
  const pool = tokenPool(keys.issuer, poolSize);
  const issueSec = (performance.now() - issueStart) / 1000;
  for (const t of newTokenRows) {
    t.cursor = new TokenCursor(pool);
    t.token = t.cursor.take;
  }

  const roundSec = options.durationSec / options.rounds;
  for (let round = 1; round <= options.rounds; round++) {
    // Each round starts one row later, so no row always runs right after the same other one.
    const order = targets.map((_, i) => targets[(i + round - 1) % targets.length]!);
    for (const t of order) {
      // Each row sat idle while the others ran; measure it serving, not waking up.
      await runLoad(t.server.url, { connections: options.connections, durationSec: options.roundWarmupSec, nextToken: t.token });
      const result = await runLoad(t.server.url, { connections: options.connections, durationSec: roundSec, nextToken: t.token, serverPid: t.server.pid });
      t.row.rounds.push(result);
    }
    const rates = targets.map((t) => Math.round(t.row.rounds.at(-1)!.reqPerSec));
    // Progress on stderr, so that stdout is the report alone.
    process.stderr.write(`round ${round}/${options.rounds}, req/s of rows 1-5: ${rates.join(' ')}\n`);
  }
  for (const t of targets) {
    if (t.row.key === 'reused' || t.row.key === 'fresh') t.row.cacheHitRatio = await cacheHitRatio(t.server.url);
  }

  const [fresh, jose] = newTokenRows as [Target, Target];
  console.log(
    `tokens: ${warmPool.length.toLocaleString('en-US')} for warm-up; ${poolSize.toLocaleString('en-US')} distinct for measurement (issued in ${issueSec.toFixed(1)} s), ` +
      `row 4 ${fresh.cursor!.describe()}, row 5 ${jose.cursor!.describe()}\n`,
  );
  const rows = targets.map((t) => t.row);
  printTable(rows);
  printGoals(rows);
  console.log(`\nload average at end ${loadAverage()}`);
  // A missed goal is a finding, not a crash; only a run with failed requests exits non-zero.
  if (rows.some((r) => r.rounds.some((result) => result.failures > 0))) process.exitCode = 1;
} finally {
  for (const server of servers.reverse()) await server.stop();
}
