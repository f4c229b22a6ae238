/** Run settings of the sessions benchmark, from flags: `npm run bench:sessions -- --duration 64 --rounds 64`. */
import { parseArgs } from 'node:util';

export interface SessionsBenchOptions {
  /** Measured seconds per request row, split evenly over the rounds. */
  durationSec: number;
  /** Rows are measured in turn, round after round, so a burst of outside load hits every row alike. */
  rounds: number;
  warmupSec: number;
  connections: number;
  /** Measured seconds per store for the refresh rows, split evenly over their rounds. */
  refreshDurationSec: number;
  refreshRounds: number;
  refreshConnections: number;
  /** Sessions opened per store for the refresh rows. */
  sessions: number;
  /** Seed of the shuffled round orders. */
  seed: number;
}

const FLAGS = [
  'duration',
  'rounds',
  'warmup',
  'connections',
  'refresh-duration',
  'refresh-rounds',
  'refresh-connections',
  'sessions',
  'seed',
] as const;
type Flag = (typeof FLAGS)[number];

function positiveInt(flag: Flag, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${flag} must be a positive whole number`);
  return value;
}

export function sessionsBenchOptions(argv = process.argv.slice(2)): SessionsBenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(FLAGS.map((flag) => [flag, { type: 'string' }])) as Record<Flag, { type: 'string' }>,
  });
  const get = (flag: Flag, fallback: number) => positiveInt(flag, values[flag] as string | undefined, fallback);
  const options: SessionsBenchOptions = {
    // Rows differ by noise alone by a few percent per second measured: 32 s each keeps the 5% goal decidable.
    durationSec: get('duration', 32),
    rounds: get('rounds', 32),
    warmupSec: get('warmup', 3),
    connections: get('connections', 32),
    refreshDurationSec: get('refresh-duration', 16),
    refreshRounds: get('refresh-rounds', 8),
    refreshConnections: get('refresh-connections', 16),
    sessions: get('sessions', 2_000),
    seed: get('seed', 1),
  };
  // A round shorter than a second leaves autocannon's start-up a visible share of it.
  if (options.rounds > options.durationSec || options.refreshRounds > options.refreshDurationSec)
    throw new Error('rounds cannot outnumber the seconds they share');
  return options;
}
