/**
 * The printed result of the proxy benchmark: one table, the ratios, and the goals as PASS/FAIL.
 * Ratios are taken round by round (two rows of one round ran seconds apart) and the median is quoted:
 * on a shared machine a burst of outside load then spoils one round, not the result.
 */
import type { LoadResult } from './load.js';

export type RowKey = 'direct' | 'plain' | 'reused' | 'fresh' | 'jose';

export interface Row {
  key: RowKey;
  name: string;
  /** One result per round. */
  rounds: LoadResult[];
  /** Share of token checks answered by the gateway's verified-token cache (gateway rows only). */
  cacheHitRatio?: number;
}

interface Spread {
  median: number;
  min: number;
  max: number;
}

function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)! };
}

const sum = (values: number[]) => values.reduce((total, v) => total + v, 0);
const fmt = (value: number, digits = 2) => value.toFixed(digits);
const int = (value: number) => Math.round(value).toLocaleString('en-US');
const ratioText = (s: Spread) => `${fmt(s.median)}x (${fmt(s.min)}-${fmt(s.max)})`;

/** CPU microseconds the server process (or only its event loop) spent per answered request, when known. */
function cpuPerRequest(results: LoadResult[], clock: 'serverCpuSec' | 'serverLoopCpuSec' = 'serverCpuSec'): number | undefined {
  if (results.some((r) => r[clock] === undefined)) return undefined;
  const ok = sum(results.map((r) => r.ok));
  return ok === 0 ? undefined : (sum(results.map((r) => r[clock]!)) * 1e6) / ok;
}

/** Per-round req/s ratio of `a` to `b`. */
function rateRatios(a: Row, b: Row): Spread {
  return spread(a.rounds.map((r, i) => r.reqPerSec / b.rounds[i]!.reqPerSec));
}

/** Per-round ratio of `b`'s CPU per request to `a`'s: how many more requests a core serves through `a`. */
function cpuRatios(a: Row, b: Row): Spread | undefined {
  const ratios = a.rounds.map((r, i) => {
    const [costA, costB] = [cpuPerRequest([r]), cpuPerRequest([b.rounds[i]!])];
    return costA === undefined || costB === undefined ? NaN : costB / costA;
  });
  return ratios.some(Number.isNaN) ? undefined : spread(ratios);
}

export function printTable(rows: readonly Row[]): void {
  const plain = rows.find((r) => r.key === 'plain')!;
  const nameWidth = Math.max(...rows.map((r) => r.name.length), 'target'.length);
  const columns = ['req/s', 'p99 ms', 'CPU µs/req', 'loop µs/req', 'req/s vs no-auth', 'CPU/req vs no-auth', 'cache hits'];
  const widths = [7, 6, 10, 11, 20, 20, 10];
  const line = (name: string, cells: string[]) => `${name.padEnd(nameWidth)}  ${cells.map((c, i) => c.padStart(widths[i]!)).join('  ')}`;
  const header = line('target', columns);
  console.log(header);
  console.log('-'.repeat(header.length));
  for (const row of rows) {
    const ok = sum(row.rounds.map((r) => r.ok));
    const failures = sum(row.rounds.map((r) => r.failures));
    const cpu = cpuPerRequest(row.rounds);
    const loop = cpuPerRequest(row.rounds, 'serverLoopCpuSec');
    const cpuVs = cpuRatios(row, plain);
    console.log(
      line(row.name, [
        int(ok / sum(row.rounds.map((r) => r.seconds))),
        fmt(spread(row.rounds.map((r) => r.p99Ms)).median, 0),
        cpu === undefined ? '' : int(cpu),
        loop === undefined ? '' : int(loop),
        ratioText(rateRatios(row, plain)),
        cpuVs === undefined ? '' : ratioText(cpuVs),
        row.cacheHitRatio === undefined ? '' : `${fmt(row.cacheHitRatio * 100, 1)}%`,
      ]) + (failures > 0 ? `  INVALID: ${failures} failed requests` : ''),
    );
  }
}

/** Prints the row 4 / row 5 comparison and each goal as PASS/FAIL on the median per-round req/s ratio. */
export function printGoals(rows: readonly Row[]): void {
  const row = (key: RowKey) => rows.find((r) => r.key === key)!;
  const valid = rows.every((r) => r.rounds.every((result) => result.failures === 0));
  const cpuNote = (a: RowKey, b: RowKey) => {
    const ratios = cpuRatios(row(a), row(b));
    return ratios === undefined ? '' : `; by server CPU per request ${ratioText(ratios)}`;
  };
  console.log(`\nrow 4 vs row 5 (new-token gateway vs hand-built jose proxy): ${ratioText(rateRatios(row('fresh'), row('jose')))}${cpuNote('fresh', 'jose')}`);
  const goals: [string, RowKey, RowKey, number][] = [
    ['reused token >= 0.95x no-auth proxy', 'reused', 'plain', 0.95],
    ['new token >= 0.6x no-auth proxy', 'fresh', 'plain', 0.6],
    ['new token >= 2x hand-built jose proxy', 'fresh', 'jose', 2],
  ];
  for (const [what, a, b, goal] of goals) {
    const ratios = rateRatios(row(a), row(b));
    console.log(`goal ${what}: ${ratioText(ratios)} ${valid && ratios.median >= goal ? 'PASS' : 'FAIL'}${cpuNote(a, b)}`);
  }
  if (!valid) console.log('(some rows had failed requests: an invalid run meets no goal)');
}
