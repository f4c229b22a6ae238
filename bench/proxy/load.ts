/**
 * One autocannon run on loopback. Every row builds its request in setupRequest (even when the header
 * never changes) so the load generator does the same work per request in every row.
 */
import autocannon from 'autocannon';
import type { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { ChildServer } from './children.js';
import { cpuSeconds } from './cpu.js';

export const PATH = '/api/items';

export interface LoadOptions {
  connections: number;
  /** The server process under test, whose CPU time the run is charged to; unset: not measured. */
  server?: ChildServer;
  durationSec: number;
  /** Requests per second offered over all connections; unset: as fast as the server answers. */
  overallRate?: number;
  /**
   * With `overallRate`: split the load over this many autocannon instances (as many connections as there
   * are instances, at most `connections`), started evenly over a second. One autocannon instance sends
   * each second's quota at full speed as the second starts (a 300 req/s run arrives in its first ~60 ms),
   * then waits; staggered instances spread the same rate over the second. Default 1.
   */
  spread?: number;
  /** Token for the next request; called once per request. */
  nextToken: () => string;
  /** Path and extra headers of every request; default PATH, none. */
  path?: string;
  headers?: Readonly<Record<string, string>>;
  /**
   * Seconds of load before the measured part, on the same connections; nothing in them is counted or
   * charged. Default 0. A measured part on connections of its own would charge the server for closing the
   * old ones and opening new ones, and for the recompilation those rarely taken paths set off in a young
   * process (BENCHMARKS.md, Proxy).
   */
  untimedSec?: number;
}

export interface LoadResult {
  reqPerSec: number;
  p99Ms: number;
  ok: number;
  /** Measured seconds (from the first CPU reading to the last). */
  seconds: number;
  /** CPU seconds the server under test used during the run (all threads), when measured. */
  serverCpuSec?: number;
  /** The part of it on the server's main thread, its event loop (10 ms ticks from /proc), when known. */
  serverLoopCpuSec?: number;
  /** Non-2xx responses, connection errors and timeouts: any of these makes the row invalid. */
  failures: number;
}

export async function runLoad(url: string, options: LoadOptions): Promise<LoadResult> {
  const { server } = options;
  const instances = options.overallRate ? Math.min(options.spread ?? 1, options.connections) : 1;
  const untimed = options.untimedSec ?? 0;
  const startsAtMs = (i: number) => (i * 1000) / instances;
  let counting = false;
  let ok = 0;
  const latenciesMs: number[] = [];
  const started = performance.now();
  const runs = Array.from({ length: instances }, async (_, i) => {
    if (i > 0) await delay(startsAtMs(i));
    const run = autocannon({
      url,
      connections: share(options.connections, instances, i),
      pipelining: 1,
      duration: untimed + options.durationSec,
      ...(options.overallRate ? { overallRate: share(options.overallRate, instances, i) } : {}),
      requests: [
        {
          method: 'GET',
          path: options.path ?? PATH,
          setupRequest: (request) => {
            request.headers = {
              ...request.headers,
              ...options.headers,
              authorization: `Bearer ${options.nextToken()}`,
            };
            return request;
          },
        },
      ],
    });
    // autocannon's instance is an event emitter as well as the promise its types describe.
    (run as unknown as EventEmitter).on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (!counting) return;
      if (status >= 200 && status < 300) ok++;
      latenciesMs.push(ms);
    });
    return run;
  });
  // Measured while every instance runs: from the last one's start plus the untimed part to the first one's end.
  const measured = (async () => {
    await delay(startsAtMs(instances - 1) + untimed * 1000);
    const loopBefore = server && cpuSeconds(server.pid, true);
    const cpuBefore = await server?.cpuMicros();
    const from = performance.now();
    counting = true;
    await delay(Math.max(0, (untimed + options.durationSec) * 1000 - (from - started)));
    counting = false;
    const to = performance.now();
    const cpuAfter = await server?.cpuMicros();
    const loopAfter = server && cpuSeconds(server.pid, true);
    return {
      seconds: (to - from) / 1000,
      ...(cpuBefore !== undefined && cpuAfter !== undefined ? { serverCpuSec: (cpuAfter - cpuBefore) / 1e6 } : {}),
      ...(loopBefore !== undefined && loopAfter !== undefined ? { serverLoopCpuSec: loopAfter - loopBefore } : {}),
    };
  })();
  const results = await Promise.all(runs);
  const { seconds, ...cpu } = await measured;
  return {
    // Completed 2xx responses over the measured time: immune to how per-second samples are averaged.
    reqPerSec: ok / seconds,
    p99Ms: Math.round(percentile(latenciesMs, 0.99) * 10) / 10,
    ok,
    seconds,
    ...cpu,
    // Over the whole run, untimed part included: a row that failed at any point is not a result.
    failures: results.reduce((sum, r) => sum + r.non2xx + r.errors + r.timeouts, 0),
  };
}

/** The `q` quantile of `values` (nearest rank); 0 for none. */
function percentile(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = values.sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

/** Instance `i`'s part of `total` split over `parts` (the first ones take the remainder). */
function share(total: number, parts: number, i: number): number {
  return Math.floor(total / parts) + (i < total % parts ? 1 : 0);
}

/** Several runs added up as one (the two processes of a row in one round). */
export function combine(results: readonly LoadResult[]): LoadResult {
  const total = (pick: (r: LoadResult) => number) => results.reduce((sum, r) => sum + pick(r), 0);
  const measured = (values: (number | undefined)[]) => values.every((v) => v !== undefined);
  return {
    reqPerSec: total((r) => r.reqPerSec),
    p99Ms: Math.max(...results.map((r) => r.p99Ms)),
    ok: total((r) => r.ok),
    seconds: Math.max(...results.map((r) => r.seconds)),
    ...(measured(results.map((r) => r.serverCpuSec)) ? { serverCpuSec: total((r) => r.serverCpuSec!) } : {}),
    ...(measured(results.map((r) => r.serverLoopCpuSec))
      ? { serverLoopCpuSec: total((r) => r.serverLoopCpuSec!) }
      : {}),
    failures: total((r) => r.failures),
  };
}
