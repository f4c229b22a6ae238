/**
 * The printed result of the proxy benchmark: the CPU table the goals are judged on, unloaded latency,
 * saturated throughput, and each goal as PASS/FAIL. Ratios are taken round by round (the rows of one
 * round ran side by side, through the same moments of outside load) and the median is quoted.
 */
import { percentile } from './latency.js';
import type { LoadResult } from './load.js';
import type { RowKey, RowSpec } from './rows.js';

export interface Row {
  spec: RowSpec;
  /** Fixed-rate phase: one result per round (the row's processes added up). */
  rounds: LoadResult[];
  /** Unloaded latency samples, µs. */
  latencies: number[];
  /** Saturated phase, when run. */
  saturated?: LoadResult;
}

interface Spread {
  median: number;
  min: number;
  max: number;
}

function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)! };
}

const fmt = (value: number, digits = 2) => value.toFixed(digits);
const int = (value: number) => Math.round(value).toLocaleString('en-US');
const ratioText = (s: Spread) => `${fmt(s.median)}x (${fmt(s.min)}-${fmt(s.max)})`;
/** Server CPU µs per answered request, all threads; NaN when not measured. */
export const cpuPerRequest = (r: LoadResult) =>
  r.ok === 0 || r.serverCpuSec === undefined ? NaN : (r.serverCpuSec * 1e6) / r.ok;
/** The event loop's (main thread's) part of it. */
export const loopPerRequest = (r: LoadResult) =>
  r.ok === 0 || r.serverLoopCpuSec === undefined ? NaN : (r.serverLoopCpuSec * 1e6) / r.ok;
const failures = (row: Row) => row.rounds.reduce((n, r) => n + r.failures, 0) + (row.saturated?.failures ?? 0);

/** Per-round ratio of `a`'s CPU per request to `b`'s. */
function cpuRatio(a: Row, b: Row): Spread {
  return spread(a.rounds.map((r, i) => cpuPerRequest(r) / cpuPerRequest(b.rounds[i]!)));
}

function median(values: readonly number[]): number {
  return spread(values).median;
}

function table(columns: string[], widths: number[], rows: [string, string[]][]): void {
  const nameWidth = Math.max(...rows.map(([name]) => name.length), 'target'.length);
  const line = (name: string, cells: string[]) =>
    `${name.padEnd(nameWidth)}  ${cells.map((c, i) => c.padStart(widths[i]!)).join('  ')}`;
  const header = line('target', columns);
  console.log(header);
  console.log('-'.repeat(header.length));
  for (const [name, cells] of rows) console.log(line(name, cells));
}

export function printReport(rows: readonly Row[]): void {
  const plain = rows.find((r) => r.spec.key === 'plain')!;
  console.log(
    'Server CPU per request at the fixed offered rate (medians over rounds; range of the per-round values):\n',
  );
  table(
    ['req/s', 'CPU µs/req', 'range', 'loop µs/req', 'CPU vs no-auth', 'p99 ms'],
    [7, 10, 11, 11, 20, 6],
    rows.map((row) => {
      const cpu = spread(row.rounds.map(cpuPerRequest));
      const rate = median(row.rounds.map((r) => r.reqPerSec));
      const note = failures(row) > 0 ? `  INVALID: ${failures(row)} failed requests` : '';
      return [
        row.spec.name,
        [
          int(rate),
          int(cpu.median),
          `${int(cpu.min)}-${int(cpu.max)}`,
          int(median(row.rounds.map(loopPerRequest))),
          ratioText(cpuRatio(row, plain)),
          fmt(median(row.rounds.map((r) => r.p99Ms)), 0) + note,
        ],
      ];
    }),
  );

  console.log('\nUnloaded latency (one connection, one request after another), µs:\n');
  const plainP50 = percentile(plain.latencies, 0.5);
  table(
    ['p50', 'p90', 'p99', 'p50 added vs no-auth'],
    [7, 7, 7, 20],
    rows.map((row) => {
      const p = (fraction: number) => percentile(row.latencies, fraction);
      return [row.spec.name, [int(p(0.5)), int(p(0.9)), int(p(0.99)), `${fmt((p(0.5) - plainP50) / 1000, 3)} ms`]];
    }),
  );

  if (rows.every((r) => r.saturated)) {
    console.log('\nSaturated (each row alone, as fast as it answers); secondary, moves with the machine:\n');
    table(
      ['req/s', 'CPU µs/req', 'p99 ms'],
      [7, 10, 6],
      rows.map((row) => [
        row.spec.name,
        [int(row.saturated!.reqPerSec), int(cpuPerRequest(row.saturated!)), fmt(row.saturated!.p99Ms, 0)],
      ]),
    );
  }
}

/** Each goal of the proxy benchmark as PASS/FAIL; returns whether all passed. */
export function printGoals(rows: readonly Row[]): boolean {
  const row = (key: RowKey) => rows.find((r) => r.spec.key === key)!;
  const valid = rows.every((r) => failures(r) === 0);
  const results: [string, string, boolean][] = [];
  const cpuGoal = (what: string, a: RowKey, b: RowKey, pass: (ratio: number) => boolean) => {
    const ratios = cpuRatio(row(a), row(b));
    results.push([what, ratioText(ratios), pass(ratios.median)]);
  };
  cpuGoal('1. reused token: CPU/req <= 0.75x no-auth proxy', 'reused', 'plain', (r) => r <= 0.75);
  cpuGoal('2. new token: CPU/req <= 1.25x no-auth proxy', 'fresh', 'plain', (r) => r <= 1.25);
  cpuGoal('3. jose proxy CPU/req >= 3x new-token gateway', 'jose', 'fresh', (r) => r >= 3);
  cpuGoal(
    '6. forward-auth, reused token: CPU/req <= 1x proxied request with a reused token',
    'forwardAuth',
    'reused',
    (r) => r <= 1,
  );
  const added = (key: RowKey) => (percentile(row(key).latencies, 0.5) - percentile(row('plain').latencies, 0.5)) / 1000;
  results.push([
    '4a. unloaded p50 added, reused token <= 0.05 ms',
    `${fmt(added('reused'), 3)} ms`,
    added('reused') <= 0.05,
  ]);
  results.push([
    '4b. unloaded p50 added, new token <= 0.15 ms',
    `${fmt(added('fresh'), 3)} ms`,
    added('fresh') <= 0.15,
  ]);
  console.log('');
  for (const [what, value, pass] of results) console.log(`goal ${what}: ${value} ${valid && pass ? 'PASS' : 'FAIL'}`);
  if (!valid) console.log('(some rows had failed requests: an invalid run meets no goal)');
  console.log('goal 5 (memory over 1,000,000 requests) is measured by `npm run bench:soak`');
  return valid && results.every(([, , pass]) => pass);
}

/** Each variant against the row it copies, round by round (they ran side by side). */
export function printVariants(rows: readonly Row[]): void {
  const variants = rows.filter((r) => r.spec.base !== undefined);
  if (variants.length === 0) return;
  console.log('\nVariants, CPU per request against the row each copies (median of per-round ratios, range):\n');
  for (const variant of variants) {
    const base = rows.find((r) => r.spec.key === variant.spec.base && r.spec.base === undefined)!;
    console.log(`${variant.spec.name}: ${ratioText(cpuRatio(variant, base))} of ${base.spec.name}`);
  }
}
