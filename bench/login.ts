/**
 * Login benchmark (`npm run bench:login`): Portal logins end to end on loopback, with a real relay
 * (the dev relay in a child process), a real gateway (in a child process of its own) and a wallet
 * plus a client in this process.
 *
 * 1. Latency: 200 logins one after another, each timed from the wallet's handshake publish to the
 *    tokens in the client's hands (server-sent events). Goal: p50 < 100 ms.
 * 2. Memory: 10,000 logins started and left pending (no wallet); the gateway's heap and RSS growth
 *    after a full GC, per login. Goal: 10,000 pending logins in < 100 MB.
 *
 * Prints PASS/FAIL per goal and exits 1 if one fails.
 */
import { cpus, loadavg } from 'node:os';
import { startRelayProcess } from '../test/support/relay-process.js';
import { startGatewayProcess } from './login/gateway-process.js';
import { percentile, timeOneLogin } from './login/latency.js';
import { measurePendingLogins } from './login/pending.js';
import { BenchWallet } from './login/wallet.js';

const TIMED_LOGINS = 200;
const WARM_UP_LOGINS = 20;
const PENDING_LOGINS = 10_000;
const PENDING_WARM_UP = 500;
const GOAL_P50_MS = 100;
const GOAL_PENDING_BYTES = 100 * 1024 * 1024;

const MB = 1024 * 1024;
const ms = (value: number) => `${value.toFixed(1)} ms`;
const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

const cpu = cpus();
console.log(`Login benchmark, ${new Date().toISOString().slice(0, 10)}`);
console.log(
  `Node ${process.version}; ${process.platform}/${process.arch}; ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'})`,
);
console.log('relay: dev relay, child process; gateway: child process (SQLite store); wallet and client: this process');
console.log('');

const relay = await startRelayProcess();
let failed = false;
try {
  // Phase 1: latency.
  const gateway = await startGatewayProcess([relay.url]);
  const wallet = await BenchWallet.connect(relay.url);
  const samples: number[] = [];
  let gatewayCpuMs = 0;
  let ownCpuMs = 0;
  try {
    for (let i = 0; i < WARM_UP_LOGINS; i++) await timeOneLogin(gateway.url, wallet);
    const before = await gateway.report();
    const ownBefore = process.cpuUsage();
    for (let i = 0; i < TIMED_LOGINS; i++) samples.push(await timeOneLogin(gateway.url, wallet));
    const own = process.cpuUsage(ownBefore);
    gatewayCpuMs = ((await gateway.report()).cpuMicros - before.cpuMicros) / 1000 / TIMED_LOGINS;
    ownCpuMs = (own.user + own.system) / 1000 / TIMED_LOGINS;
  } finally {
    wallet.close();
    await gateway.stop();
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const p50 = percentile(sorted, 50);
  const latencyOk = p50 < GOAL_P50_MS;
  failed ||= !latencyOk;
  console.log(
    `latency: wallet handshake publish -> tokens in the client's hands (SSE); ${TIMED_LOGINS} logins one after another, after ${WARM_UP_LOGINS} warm-up`,
  );
  console.log(
    `  min ${ms(sorted[0]!)}  p50 ${ms(p50)}  p90 ${ms(percentile(sorted, 90))}  p99 ${ms(percentile(sorted, 99))}  max ${ms(sorted.at(-1)!)}`,
  );
  console.log(
    `  CPU per login: gateway ${ms(gatewayCpuMs)} (whole login, POST included), wallet + client ${ms(ownCpuMs)}`,
  );
  console.log(`  goal p50 < ${GOAL_P50_MS} ms: ${verdict(latencyOk)}`);
  console.log('');

  // Phase 2: memory, on a fresh gateway so that the sessions of phase 1 do not count.
  const fresh = await startGatewayProcess([relay.url]);
  try {
    const result = await measurePendingLogins(fresh, PENDING_LOGINS, PENDING_WARM_UP);
    if (result.pendingLogins !== PENDING_LOGINS)
      throw new Error(`expected ${PENDING_LOGINS} more pending logins, the gateway reports ${result.pendingLogins}`);
    const memoryOk = result.heapBytes < GOAL_PENDING_BYTES && result.rssBytes < GOAL_PENDING_BYTES;
    failed ||= !memoryOk;
    console.log(
      `memory: ${PENDING_LOGINS.toLocaleString('en')} pending logins (POST /auth/login, no wallet; ${PENDING_WARM_UP} started before the baseline), gateway after full GC`,
    );
    console.log(
      `  heap +${mb(result.heapBytes)} (${Math.round(result.heapBytes / PENDING_LOGINS)} bytes/login)  RSS +${mb(result.rssBytes)} (${Math.round(result.rssBytes / PENDING_LOGINS)} bytes/login)`,
    );
    console.log(
      `  started in ${result.seconds.toFixed(1)} s (${Math.round(PENDING_LOGINS / result.seconds)} logins/s)`,
    );
    console.log(
      `  goal ${PENDING_LOGINS.toLocaleString('en')} pending logins < ${mb(GOAL_PENDING_BYTES)} (heap and RSS): ${verdict(memoryOk)}`,
    );
  } finally {
    await fresh.stop();
  }
} finally {
  await relay.stop();
}
console.log('');
console.log(
  `load average at the end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log(`RESULT: ${verdict(!failed)}`);
process.exitCode = failed ? 1 : 0;
