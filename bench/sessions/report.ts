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

/**
 * A row against the baseline by req/s and by CPU per request: the ratio over the whole run (every
 * round's answers over every round's seconds), which averages a burst of outside load away, and the
 * range of the per-round ratios, which shows how much such bursts moved single rounds.
 */
function ratios(row: Row, baseline: Row) {
  const wall = row.rounds.map((r, i) => r.reqPerSec / baseline.rounds[i]!.reqPerSec);
  const cpu = row.rounds.map(
    (r, i) => r.ok / r.serverCpuSec / (baseline.rounds[i]!.ok / baseline.rounds[i]!.serverCpuSec),
  );
  const total = { wall: perSecond(row) / perSecond(baseline), cpu: perCpuSecond(row) / perCpuSecond(baseline) };
  const describe = (ratio: number, perRound: number[]) =>
    `${ratio.toFixed(3)}x (${Math.min(...perRound).toFixed(2)}-${Math.max(...perRound).toFixed(2)})`;
  return { ...total, text: `${describe(total.wall, wall)}  ${describe(total.cpu, cpu)}` };
}

/** Rows measured in the same rounds, as one: their answers, seconds and CPU time added round by round. */
function pooled(name: string, rows: readonly Row[]): Row {
  const rounds = rows[0]!.rounds.map((_, i) => {
    const parts = rows.map((row) => row.rounds[i]!);
    const add = (pick: (r: Measured) => number) => parts.reduce((total, r) => total + pick(r), 0);
    const [ok, seconds] = [add((r) => r.ok), add((r) => r.seconds)];
    return {
      ok,
      seconds,
      reqPerSec: ok / seconds,
      p99Ms: Math.max(...parts.map((r) => r.p99Ms)),
      failures: add((r) => r.failures),
      serverCpuSec: add((r) => r.serverCpuSec),
    };
  });
  return { name, rounds };
}

/**
 * Request rows against the baseline, both check-off gateways pooled (which halves the baseline's share
 * of the noise), then the goal per store, judged on requests per second. Requests per CPU-second of the
 * gateways' process, and the two check-off gateways against each other (an A/A comparison: they differ
 * by noise alone), show how far the run can be trusted. Returns whether every goal passed.
 */
export function printRequestRows(offs: readonly [Row, Row], checked: readonly Row[]): boolean {
  const baseline = pooled('check off, both gateways', offs);
  const rows = [...offs, ...checked];
  printRows(
    rows,
    'req/s',
    'vs check off, whole run (round range): req/s  per CPU-s',
    (row) => ratios(row, baseline).text,
  );
  const valid = rows.every((row) => failures(row) === 0);
  let passed = valid;
  console.log('');
  for (const row of checked) {
    const r = ratios(row, baseline);
    const ok = valid && r.wall >= GOAL_RATIO;
    passed &&= ok;
    console.log(
      `goal ${row.name}: req/s >= ${GOAL_RATIO}x check off: ${r.wall.toFixed(3)}x ${ok ? 'PASS' : 'FAIL'} (per CPU-s ${r.cpu.toFixed(3)}x)`,
    );
  }
  // The store is not on the request path: all check-on gateways against all check-off ones is the
  // run's most precise estimate of what the check costs.
  const all = ratios(pooled('check on', checked), baseline);
  console.log(
    `all check-on gateways against both check-off ones: ${all.wall.toFixed(3)}x req/s, ${all.cpu.toFixed(3)}x per CPU-s`,
  );
  const noise = ratios(offs[1], offs[0]);
  console.log(
    `noise floor: the two check-off gateways differ by ${noise.wall.toFixed(3)}x req/s and ${noise.cpu.toFixed(3)}x per CPU-s (A/A)`,
  );
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
