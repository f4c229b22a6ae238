/**
 * Sessions benchmark, in one run:
 *   1. what the per-request revocation check costs: req/s on a `required` route with one reused token,
 *      through the gateway with the check on (memory, SQLite and Redis stores) against the same gateway
 *      with the check off (two gateways, pooled, and compared with each other as an A/A control;
 *      goal: at least 0.95x);
 *   2. the check alone, in-process, in nanoseconds;
 *   3. refresh throughput per store: POST /auth/refresh rotations per second, each session a sequential
 *      chain, many sessions at once.
 * The gateways share one child process (bench/sessions/gateways.ts), the upstream has another, Redis is
 * a real redis-server; autocannon drives one gateway at a time from this process.
 *
 *   npm run bench:sessions [-- --duration 32 --rounds 32 --warmup 3 --connections 32 --refresh-duration 16
 *                              --refresh-rounds 8 --refresh-connections 16 --sessions 2000 --seed 1]
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { cryptoBackendName, generateKeyPair } from '../src/index.js';
import { REDIS_SERVER_BIN, startRedisServer, type RedisServer } from '../test/support/redis-server.js';
import { startChild, type ChildServer } from './proxy/children.js';
import { PATH, runLoad } from './proxy/load.js';
import { benchKeys } from './proxy/tokens.js';
import { measureCheckCost } from './sessions/check-cost.js';
import { sessionsBenchOptions } from './sessions/options.js';
import { runRefreshLoad, type SessionQueue } from './sessions/refresh-load.js';
import { expectStatus, gatewayUrls, openSessions } from './sessions/probes.js';
import {
  cpuMicrosPerRequest,
  printCheckCost,
  printRefreshRows,
  printRequestRows,
  type Row,
} from './sessions/report.js';
import { measureInTurn } from './sessions/rounds.js';
import { REVOKED_JTIS, USERS_WITH_WATERMARK } from './sessions/revocation-fill.js';

/** The gateways, in one process, in this order: [check, store, row name]. */
const GATEWAYS = [
  ['off', 'sqlite', 'check off, SQLite store'],
  ['off', 'sqlite', 'check off, SQLite store, 2nd gateway'],
  ['on', 'memory', 'check on, memory store'],
  ['on', 'sqlite', 'check on, SQLite store'],
  ['on', 'redis', 'check on, Redis store'],
] as const;

const options = sessionsBenchOptions();
const keys = benchKeys();
const user = generateKeyPair().publicKey;
const TOKEN_TTL_SEC = 6 * 3600;
// Shaped like the gateway's own access tokens (jti, sid, permissions), so the check looks up both maps.
const token = keys.issuer.issue(user, {
  ttlSec: TOKEN_TTL_SEC,
  extraClaims: { jti: randomBytes(16).toString('base64url'), sid: 'bench', permissions: [] },
});
// Issued before the user's watermark: a gateway that checks must refuse it, one that does not lets it through.
const revokedToken = keys.issuer.issue(user, { ttlSec: TOKEN_TTL_SEC, now: Math.floor(Date.now() / 1000) - 7200 });
const loadAverage = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const redisVersion =
  /v=(\S+)/.exec(execFileSync(REDIS_SERVER_BIN ?? 'redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ??
  'unknown';

console.log(`Sessions benchmark, ${new Date().toISOString()}`);
console.log(
  `Node ${process.version}; crypto backend: ${cryptoBackendName}; ${process.platform}/${process.arch}; ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}); redis-server ${redisVersion}`,
);
console.log(
  `requests: GET ${PATH} with one reused token, autocannon ${options.connections} connections, one gateway at a time; ` +
    `per row ${options.warmupSec} s warm-up, then ${options.durationSec} s in ${options.rounds} rounds, order shuffled each round (seed ${options.seed})`,
);
console.log(
  `5 gateways in one process; revocation list in each: ${REVOKED_JTIS.toLocaleString('en-US')} revoked jtis, ${USERS_WITH_WATERMARK} users with a watermark (the token's user included)`,
);
console.log(
  `refresh: ${options.sessions.toLocaleString('en-US')} sessions per store, ${options.refreshConnections} connections, one store at a time, ` +
    `${options.refreshDurationSec} s per store in ${options.refreshRounds} shuffled rounds; load average at start ${loadAverage()}\n`,
);

const servers: ChildServer[] = [];
let redis: RedisServer | undefined;
try {
  redis = await startRedisServer();
  const upstream = await startChild('upstream');
  servers.push(upstream);
  const gateways = await startChild('../sessions/gateways', {
    UPSTREAM_URL: upstream.url,
    BENCH_SERVICE_KEY: keys.serviceSecret,
    BENCH_REDIS_URL: redis.url,
    BENCH_USER_KEY: user,
    BENCH_GATEWAYS: GATEWAYS.map(([check, store]) => `${check}:${store}`).join(','),
  });
  servers.push(gateways);
  const urls = await gatewayUrls(gateways.url);
  const targets = GATEWAYS.map(([check, store, name], i) => ({
    url: urls[i]!,
    check,
    store,
    row: { name, rounds: [] } as Row,
  }));
  for (const t of targets) {
    await expectStatus(t.url, undefined, 401);
    await expectStatus(t.url, token, 200);
    if (t.check === 'on') await expectStatus(t.url, revokedToken, 401, 'ERR_TOKEN_REVOKED');
    else await expectStatus(t.url, revokedToken, 200);
  }

  const nextToken = () => token;
  const requestLoad = (url: string) => (durationSec: number) =>
    runLoad(url, { connections: options.connections, durationSec, nextToken });
  const plan = { seed: options.seed, warmupSec: options.warmupSec };
  await measureInTurn(
    gateways.pid,
    targets.map((t) => ({ row: t.row, run: requestLoad(t.url) })),
    { ...plan, durationSec: options.durationSec, rounds: options.rounds },
    'req/s',
  );
  const checkCost = await measureCheckCost(token, keys.issuer.publicKey, user);

  // Refresh rows: on the gateways with the check on (the refresh path does not consult it).
  const checked = targets.filter((t) => t.check === 'on');
  const refreshes: { url: string; row: Row; queue: SessionQueue }[] = [];
  for (const t of checked)
    refreshes.push({
      url: t.url,
      row: { name: `refresh, ${t.store} store`, rounds: [] } as Row,
      queue: await openSessions(t.url, options.sessions),
    });
  const refreshLoad = (r: (typeof refreshes)[number]) => (durationSec: number) =>
    runRefreshLoad(r.url, r.queue, { connections: options.refreshConnections, durationSec });
  await measureInTurn(
    gateways.pid,
    refreshes.map((r) => ({ row: r.row, run: refreshLoad(r) })),
    { ...plan, durationSec: options.refreshDurationSec, rounds: options.refreshRounds },
    'refresh/s',
  );

  console.log('');
  const passed = printRequestRows(
    [targets[0]!.row, targets[1]!.row],
    checked.map((t) => t.row),
  );
  printCheckCost(checkCost, cpuMicrosPerRequest(targets.map((t) => t.row)));
  console.log('');
  printRefreshRows(
    refreshes.map((r) => r.row),
    (row) => refreshes.find((r) => r.row === row)!.queue.size,
  );
  console.log(`\nload average at end ${loadAverage()}`);
  console.log(passed ? 'PASS' : 'FAIL');
  // A missed goal is a finding, not a crash; only a run with failed requests exits non-zero.
  if ([...targets, ...refreshes].some((t) => t.row.rounds.some((r) => r.failures > 0))) process.exitCode = 1;
} finally {
  for (const server of servers.reverse()) await server.stop();
  await redis?.stop();
}
