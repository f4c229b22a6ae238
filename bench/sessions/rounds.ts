/**
 * How every row of the sessions benchmark is measured: one gateway at a time, in short rounds that go
 * through every row, so that a change in outside load falls on neighbouring measurements of every row
 * alike. The order is shuffled every round (seeded, so a run can be repeated) and a round never starts
 * with the row the previous one ended with: with a fixed order reversed every other round, the two
 * check-off gateways, always measured back to back, came out about 5% faster than the rest in run after
 * run, wherever they stood, though interleaved batch by batch they showed no difference. All gateways
 * live in one process; around each run its CPU time is read, and as only the loaded gateway is busy,
 * the difference is that gateway's.
 */
import { createPrng, type Prng } from '../../test/support/prng.js';
import type { LoadResult } from '../proxy/load.js';
import { cpuOf } from './probes.js';
import type { Row } from './report.js';

export interface Contender {
  row: Row;
  /** One load run of the given length against this row's gateway. */
  run(durationSec: number): Promise<LoadResult>;
}

export interface RoundPlan {
  /** Seed of the round orders. */
  seed: number;
  warmupSec: number;
  /** Measured seconds per row, split evenly over the rounds. */
  durationSec: number;
  rounds: number;
}

/** Fisher-Yates; a round that would start with `last` is shuffled again. */
function roundOrder<T>(items: readonly T[], prng: Prng, last: T | undefined): T[] {
  for (;;) {
    const order = [...items];
    for (let i = order.length - 1; i > 0; i--) {
      const j = prng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    if (order.length < 2 || order[0] !== last) return order;
  }
}

export async function measureInTurn(
  pid: number,
  contenders: readonly Contender[],
  plan: RoundPlan,
  unit: string,
): Promise<void> {
  const prng = createPrng(plan.seed);
  for (const c of contenders) await c.run(plan.warmupSec);
  let last = contenders.at(-1);
  for (let round = 1; round <= plan.rounds; round++) {
    const order = roundOrder(contenders, prng, last);
    for (const c of order) {
      const before = cpuOf(pid);
      const result = await c.run(plan.durationSec / plan.rounds);
      const measured = { ...result, serverCpuSec: cpuOf(pid) - before };
      c.row.rounds.push(measured);
      process.stderr.write(
        `  round ${round}: ${c.row.name}: ${Math.round(measured.reqPerSec)} ${unit}, ${Math.round(measured.ok / measured.serverCpuSec)} per CPU-s\n`,
      );
    }
    last = order.at(-1);
  }
}
