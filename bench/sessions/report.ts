/** The printed result of the sessions benchmark: two tables, the ratios, and the goals as PASS/FAIL. */
import type { LoadResult } from '../proxy/load.js';

/** One autocannon run with the CPU time the gateway process spent during it. */
export type Measured = LoadResult & { serverCpuSec: number };

export interface Row {
  name: string;
  /** One result per round, in round order. */
  rounds: Measured[];
}

/** The revocation check costs at most 5% of the request rate. */
export const GOAL_RATIO = 0.95;

const int = (value: number) => Math.round(value).toLocaleString('en-US');
const sum = (row: Row, pick: (r: Measured) => number) => row.rounds.reduce((total, r) => total + pick(r), 0);
const perSecond = (row: Row) => sum(row, (r) => r.ok) / sum(row, (r) => r.seconds);
const perCpuSecond = (row: Row) => sum(row, (r) => r.ok) / sum(row, (r) => r.serverCpuSec);
const failures = (row: Row) => sum(row, (r) => r.failures);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function printRows(rows: readonly Row[], unit: string, extraHeader: string, extra: (row: Row) => string): void {
  const width = Math.max(...rows.map((r) => r.name.length), 'target'.length);
  const header = `${'target'.padEnd(width)}  ${unit.padStart(9)}  ${'rounds min-max'.padStart(15)}  ${'p99 ms'.padStart(6)}  ${'per CPU-s'.padStart(9)}  ${extraHeader}`;
  console.log(header);
  console.log('-'.repeat(header.length));
  for (const row of rows) {
    const rates = row.rounds.map((r) => r.reqPerSec);
    const cells = [
      row.name.padEnd(width),
      int(perSecond(row)).padStart(9),
      `${int(Math.min(...rates))}-${int(Math.max(...rates))}`.padStart(15),
      String(median(row.rounds.map((r) => r.p99Ms))).padStart(6),
      int(perCpuSecond(row)).padStart(9),
      extra(row),
    ];
    console.log(cells.join('  ') + (failures(row) > 0 ? `  INVALID: ${failures(row)} failed requests` : ''));
  }
}

/** A row against the baseline, round by round: the median ratio and the range, by req/s and by CPU per request. */
function ratios(row: Row, baseline: Row) {
  const wall = row.rounds.map((r, i) => r.reqPerSec / baseline.rounds[i]!.reqPerSec);
  const cpu = row.rounds.map((r, i) => r.ok / r.serverCpuSec / (baseline.rounds[i]!.ok / baseline.rounds[i]!.serverCpuSec));
  const describe = (values: number[]) => `${median(values).toFixed(3)}x (${Math.min(...values).toFixed(2)}-${Math.max(...values).toFixed(2)})`;
  return { wall: median(wall), cpu: median(cpu), text: `${describe(wall)}  ${describe(cpu)}` };
}

/**
 * Request rows against the check-off baseline, then the goal per store, judged on requests per second.
 * Requests per CPU-second of the gateways' process and the A/A control (a second check-off gateway,
 * which differs from the baseline by noise alone) show how far the run can be trusted. Returns whether
 * every goal passed.
 */
export function printRequestRows(baseline: Row, control: Row, checked: readonly Row[]): boolean {
  const rows = [baseline, control, ...checked];
  printRows(rows, 'req/s', 'vs check off, median of rounds (range): req/s  per CPU-s', (row) => (row === baseline ? '' : ratios(row, baseline).text));
  const valid = rows.every((row) => failures(row) === 0);
  let passed = valid;
  console.log('');
  for (const row of checked) {
    const r = ratios(row, baseline);
    const ok = valid && r.wall >= GOAL_RATIO;
    passed &&= ok;
    console.log(`goal ${row.name}: req/s >= ${GOAL_RATIO}x check off: ${r.wall.toFixed(3)}x ${ok ? 'PASS' : 'FAIL'} (per CPU-s ${r.cpu.toFixed(3)}x)`);
  }
  const noise = ratios(control, baseline);
  console.log(`noise floor: the A/A control is at ${noise.wall.toFixed(3)}x req/s and ${noise.cpu.toFixed(3)}x per CPU-s of the baseline`);
  if (!valid) console.log('(some rows had failed requests: an invalid run meets no goal)');
  return passed;
}

/** CPU the gateways spent per request, over every request row of the run. */
export function cpuMicrosPerRequest(rows: readonly Row[]): number {
  const cpu = rows.reduce((total, row) => total + sum(row, (r) => r.serverCpuSec), 0);
  const ok = rows.reduce((total, row) => total + sum(row, (r) => r.ok), 0);
  return (cpu / ok) * 1e6;
}

export function printCheckCost(cost: { withoutNs: number; withNs: number }, requestMicros: number): void {
  const addedNs = cost.withNs - cost.withoutNs;
  console.log(
    `the check alone (in-process, authenticate() on a cache hit, CPU time): ${cost.withoutNs.toFixed(0)} ns without, ${cost.withNs.toFixed(0)} ns with: ` +
      `+${addedNs.toFixed(0)} ns per request, against ${requestMicros.toFixed(0)} µs of gateway CPU per request: ` +
      `expected ratio ${(1 / (1 + addedNs / 1000 / requestMicros)).toFixed(4)}x`,
  );
}

export function printRefreshRows(rows: readonly Row[], sessionsLeft: (row: Row) => number): void {
  printRows(rows, 'refresh/s', 'sessions left', (row) => int(sessionsLeft(row)).padStart(13));
}
