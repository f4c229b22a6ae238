/** Run settings of the proxy benchmark: flags (`--rounds 6`) win over environment variables. */
import { parseArgs } from 'node:util';
import { variantRows, type RowSpec } from './rows.js';

export interface BenchOptions {
  /** Rounds of the fixed-rate phase; every round starts fresh server processes. */
  rounds: number;
  /** Server processes per row in each round, all loaded at once. */
  processes: number;
  /** Requests per second offered to each server process: low enough that no row queues. */
  rate: number;
  /** Connections per server process in the fixed-rate phase. */
  connections: number;
  /** Load generators per server process in the fixed-rate phase, started evenly over a second (runLoad's `spread`). */
  spread: number;
  /** Untimed load at full speed when a round's processes start: gets their hot code optimised. */
  burstSec: number;
  /** Untimed load at the rate before each round's measurement (JIT, connection pools, caches). */
  warmupSec: number;
  /** Measured seconds per round. */
  durationSec: number;
  /** Requests per row in the unloaded-latency phase (one connection, one request after another). */
  latencyRequests: number;
  /** Seconds per row in the saturated req/s phase (0 skips it). */
  saturatedSec: number;
  /** Log level of the gateway rows: 'warn' (no per-request line) or 'info' (the access log). */
  gatewayLog: string;
  /** Extra rows, each a changed copy of a row (rows.ts, `variantRows`). */
  variants: RowSpec[];
}

function wholeNumber(name: string, text: string | undefined, fallback: number, min = 1): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number >= ${min}`);
  return value;
}

export function benchOptions(argv = process.argv.slice(2)): BenchOptions {
  const names = [
    'rounds',
    'processes',
    'rate',
    'connections',
    'spread',
    'burst',
    'warmup',
    'duration',
    'latency-requests',
    'saturated',
    'gateway-log',
    'variants',
  ] as const;
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(names.map((n) => [n, { type: 'string' as const }])),
  });
  const pick = (name: (typeof names)[number]) =>
    (values[name] as string | undefined) ?? process.env[`PROXY_BENCH_${name.toUpperCase().replace('-', '_')}`];
  const gatewayLog = pick('gateway-log') ?? 'warn';
  if (gatewayLog !== 'warn' && gatewayLog !== 'info') throw new Error('--gateway-log must be warn or info');
  return {
    rounds: wholeNumber('--rounds', pick('rounds'), 6),
    processes: wholeNumber('--processes', pick('processes'), 2),
    rate: wholeNumber('--rate', pick('rate'), 300),
    connections: wholeNumber('--connections', pick('connections'), 10),
    spread: wholeNumber('--spread', pick('spread'), 1),
    burstSec: wholeNumber('--burst', pick('burst'), 2, 0),
    warmupSec: wholeNumber('--warmup', pick('warmup'), 15),
    durationSec: wholeNumber('--duration', pick('duration'), 10),
    latencyRequests: wholeNumber('--latency-requests', pick('latency-requests'), 3000),
    saturatedSec: wholeNumber('--saturated', pick('saturated'), 5, 0),
    gatewayLog,
    variants: variantRows(pick('variants')),
  };
}
