/**
 * How every row of the sessions benchmark is measured: one gateway at a time, in short rounds that
 * rotate through the rows (the order reversed every other round, so no row always follows the same
 * one), so that a change in outside load falls on neighbouring measurements of every row alike. All
 * gateways live in one process; around each run its CPU time is read, and as only the loaded gateway
 * is busy, the difference is that gateway's.
 */
import type { LoadResult } from '../proxy/load.js';
import { cpuOf } from './probes.js';
import type { Row } from './report.js';

export interface Contender {
  row: Row;
  /** One load run of the given length against this row's gateway. */
  run(durationSec: number): Promise<LoadResult>;
}

export interface RoundPlan {
  warmupSec: number;
  /** Measured seconds per row, split evenly over the rounds. */
  durationSec: number;
  rounds: number;
}

export async function measureInTurn(pid: number, contenders: readonly Contender[], plan: RoundPlan, unit: string): Promise<void> {
  for (const c of contenders) await c.run(plan.warmupSec);
  for (let round = 1; round <= plan.rounds; round++) {
    for (const c of round % 2 ? contenders : [...contenders].reverse()) {
      const before = cpuOf(pid);
      const result = await c.run(plan.durationSec / plan.rounds);
      const measured = { ...result, serverCpuSec: cpuOf(pid) - before };
      c.row.rounds.push(measured);
      process.stderr.write(`  round ${round}: ${c.row.name}: ${Math.round(measured.reqPerSec)} ${unit}, ${Math.round(measured.ok / measured.serverCpuSec)} per CPU-s\n`);
    }
  }
}
