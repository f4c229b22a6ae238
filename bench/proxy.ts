/**
 * Proxy benchmark: server CPU per request of the gateway against the same upstream reached directly,
 * through a plain @fastify/http-proxy and through a hand-built jose@5 proxy, all in one run so that the
 * ratios hold on any machine. CPU per request at a fixed offered rate does not depend on who else uses
 * the cores; rows run side by side (each process with its own load generator) so every row lives through
 * the same moments of outside load, and every round starts fresh processes, so no row keeps a lucky or
 * unlucky state for the whole run.
 *
 *   npm run bench:proxy [-- --rounds 6 --processes 2 --rate 300 --connections 10 --spread 1 --burst 2 --warmup 15 --duration 10
 *                          --latency-requests 3000 --saturated 5 --gateway-log warn|info
 *                          --variants '[{"name": "no verify pool", "like": "fresh", "config": {"tokens": {"verifyThreads": 0}}}]']
 *
 * (or PROXY_BENCH_ROUNDS, _PROCESSES, _RATE, … in the environment).
 */
import { cpus, loadavg } from 'node:os';
import { DEFAULT_CONFIG } from '../src/config/defaults.js';
import { cryptoBackendName, generateKeyPair } from '../src/index.js';
import { startChild, type ChildServer } from './proxy/children.js';
import { SequentialClient } from './proxy/latency.js';
import { combine, runLoad } from './proxy/load.js';
import { benchOptions } from './proxy/options.js';
import { cpuPerRequest, loopPerRequest, printGoals, printReport, printVariants, type Row } from './proxy/report.js';
import { ROWS, rowEnvironment, type RowSpec } from './proxy/rows.js';
import { TokenCursor, benchKeys, tokenPool } from './proxy/tokens.js';

const options = benchOptions();
const keys = benchKeys();
const reusedToken = keys.issuer.issue(generateKeyPair().publicKey, { ttlSec: 6 * 3600 });
// Cycled in order through more tokens than the verified-token cache holds, a token is always gone from
// the LRU by the time it comes round again: every request misses, however long the run.
const newTokens = tokenPool(keys.issuer, DEFAULT_CONFIG.tokens.verifyCacheSize + 2_000);
const loadAverage = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const log = (line: string) => process.stderr.write(`${line}\n`); // progress on stderr: stdout is the report

console.log(`Proxy benchmark, ${new Date().toISOString()}`);
console.log(
  `Node ${process.version}; crypto backend: ${cryptoBackendName}; ${process.platform}/${process.arch}; ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'})`,
);
console.log(
  `fixed rate: ${options.rounds} rounds, each with ${options.processes} fresh processes per row loaded side by side at ${options.rate} req/s each ` +
    `(${options.connections} connections${options.spread > 1 ? `, ${options.spread} load generators a process, started evenly over a second` : ''}), ${options.burstSec} s at full speed and ${options.warmupSec} s at the rate untimed, then ${options.durationSec} s measured on the same connections; ` +
    `latency: ${options.latencyRequests} sequential requests per row; saturated: ${options.saturatedSec} s per row; ` +
    `gateway log level ${options.gatewayLog}, verify threads ${DEFAULT_CONFIG.tokens.verifyThreads}; load average at start ${loadAverage()}\n`,
);

const running = new Set<ChildServer>();
const upstream = await startChild('upstream');
running.add(upstream);

interface Instance {
  row: Row;
  server: ChildServer;
  nextToken: () => string;
}

/** A fresh server process for a row, checked to behave as the row assumes (a 401 flood measures nothing). */
async function instance(row: Row): Promise<Instance> {
  const server = await startChild(
    row.spec.file,
    rowEnvironment(row.spec, upstream.url, keys, options.gatewayLog),
    row.spec.nodeArgs,
  );
  running.add(server);
  const { target } = row.spec;
  const expect = async (token: string | undefined, status: number) => {
    const response = await fetch(server.url + target.path, {
      headers: { ...target.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    const body = await response.text();
    const answered = target.emptyAnswer ? body === '' : body.includes('bench-upstream');
    if (response.status !== status || (status === 200 && !answered)) {
      throw new Error(`${row.spec.name}: expected ${status}, got ${response.status}`);
    }
  };
  if (row.spec.authenticates) await expect(undefined, 401);
  await expect(reusedToken, 200);
  return { row, server, nextToken: row.spec.newTokenEachRequest ? new TokenCursor(newTokens).take : () => reusedToken };
}

/** Path and headers of a row's requests, as runLoad takes them. */
function targetOf(row: Row): { path: string; headers: Readonly<Record<string, string>> } {
  return { path: row.spec.target.path, headers: row.spec.target.headers };
}

async function stop(instances: readonly Instance[]): Promise<void> {
  await Promise.all(
    instances.map(async ({ server }) => {
      await server.stop();
      running.delete(server);
    }),
  );
}

const freshInstances = (rows: readonly Row[], perRow: number) =>
  Promise.all(rows.flatMap((row) => Array.from({ length: perRow }, () => instance(row))));

try {
  const rows: Row[] = [...ROWS, ...options.variants].map((spec: RowSpec) => ({ spec, rounds: [], latencies: [] }));

  for (let round = 1; round <= options.rounds; round++) {
    const instances = await freshInstances(rows, options.processes);
    const load = (durationSec: number, overallRate: number | undefined = options.rate, untimedSec = 0) =>
      Promise.all(
        instances.map((i) =>
          runLoad(i.server.url, {
            ...targetOf(i.row),
            server: i.server,
            connections: options.connections,
            overallRate,
            spread: options.spread,
            durationSec,
            untimedSec,
            nextToken: i.nextToken,
          }),
        ),
      );
    // A fresh process costs several times its settled CPU per request for its first seconds (code
    // still being optimised): a short burst at full speed, then untimed load at the measured rate, whose
    // connections carry on into the measured part.
    if (options.burstSec > 0) await load(options.burstSec, undefined);
    const results = await load(options.durationSec, options.rate, options.warmupSec);
    const ofRow = (row: Row) => results.filter((_, i) => instances[i]!.row === row);
    for (const row of rows) row.rounds.push(combine(ofRow(row)));
    await stop(instances);
    // Each process on its own, with the part off its event loop (V8's helper threads, the verify pool):
    // identical processes of one row can differ, and this is where it shows.
    const perProcess = (row: Row) =>
      ofRow(row)
        .map((r) => `${Math.round(cpuPerRequest(r))}(${Math.round(cpuPerRequest(r) - loopPerRequest(r))})`)
        .join(' ');
    log(
      `round ${round}/${options.rounds}, CPU µs/req of each process (off the event loop): ${rows.map((r, i) => `${i + 1}: ${perProcess(r)}`).join(' | ')}`,
    );
  }

  // Unloaded latency: one fresh process per row, rows taking turns in batches so that outside load
  // spreads over all of them alike.
  {
    const instances = await freshInstances(rows, 1);
    const clients = instances.map((i) => new SequentialClient(i.server.url, i.nextToken, i.row.spec.target));
    for (const client of clients) await client.run(300); // untimed: JIT and connections
    const batch = 100;
    for (let done = 0; done < options.latencyRequests; done += batch) {
      for (const [i, client] of clients.entries()) instances[i]!.row.latencies.push(...(await client.run(batch)));
    }
    for (const client of clients) client.close();
    await stop(instances);
    log('unloaded latency measured');
  }

  if (options.saturatedSec > 0) {
    for (const row of rows) {
      const [one] = await freshInstances([row], 1);
      row.saturated = await runLoad(one!.server.url, {
        ...targetOf(row),
        server: one!.server,
        connections: 50,
        untimedSec: 2,
        durationSec: options.saturatedSec,
        nextToken: one!.nextToken,
      });
      await stop([one!]);
    }
    log('saturated throughput measured');
  }

  printReport(rows);
  printGoals(rows);
  printVariants(rows);
  console.log(`\nload average at end ${loadAverage()}`);
  // A missed goal is a finding, not a crash; only a run with failed requests exits non-zero.
  if (rows.some((r) => r.rounds.some((result) => result.failures > 0) || (r.saturated?.failures ?? 0) > 0))
    process.exitCode = 1;
} finally {
  await Promise.all([...running].map((server) => server.stop()));
}
