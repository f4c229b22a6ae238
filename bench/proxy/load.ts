/**
 * One autocannon run on loopback. Every row builds its request in setupRequest (even when the header
 * never changes) so the load generator does the same work per request in every row.
 */
import autocannon from 'autocannon';
import { cpuSeconds } from './cpu.js';

export const PATH = '/api/items';

export interface LoadOptions {
  connections: number;
  durationSec: number;
  /** Token for the next request; called once per request. */
  nextToken: () => string;
  /** Process whose CPU time the run is charged to (the server under test), if any. */
  serverPid?: number;
}

export interface LoadResult {
  reqPerSec: number;
  p99Ms: number;
  ok: number;
  /** Measured seconds (autocannon's own clock). */
  seconds: number;
  /** CPU seconds the server under test used during the run (all threads), when known. */
  serverCpuSec?: number;
  /** The part of it on the server's main thread, its event loop: the one thread every request needs. */
  serverLoopCpuSec?: number;
  /** Non-2xx responses, connection errors and timeouts: any of these makes the row invalid. */
  failures: number;
}

export async function runLoad(url: string, options: LoadOptions): Promise<LoadResult> {
  const cpu = (mainThreadOnly = false) => (options.serverPid === undefined ? undefined : cpuSeconds(options.serverPid, mainThreadOnly));
  const [cpuBefore, loopBefore] = [cpu(), cpu(true)];
  const result = await autocannon({
    url,
    connections: options.connections,
    pipelining: 1,
    duration: options.durationSec,
    requests: [
      {
        method: 'GET',
        path: PATH,
        setupRequest: (request) => {
          request.headers = { ...request.headers, authorization: `Bearer ${options.nextToken()}` };
          return request;
        },
      },
    ],
  });
  const [cpuAfter, loopAfter] = [cpu(), cpu(true)];
  return {
    // Completed 2xx responses over the measured time: immune to how per-second samples are averaged.
    reqPerSec: result['2xx'] / result.duration,
    p99Ms: result.latency.p99,
    ok: result['2xx'],
    seconds: result.duration,
    ...(cpuBefore !== undefined && cpuAfter !== undefined ? { serverCpuSec: cpuAfter - cpuBefore } : {}),
    ...(loopBefore !== undefined && loopAfter !== undefined ? { serverLoopCpuSec: loopAfter - loopBefore } : {}),
    failures: result.non2xx + result.errors + result.timeouts,
  };
}
