/** Run settings of the sessions benchmark, from flags: `npm run bench:sessions -- --duration 20`. */
import { parseArgs } from 'node:util';

export interface SessionsBenchOptions {
  /** Measured seconds per request row, split evenly over the rounds. */
  durationSec: number;
  /** Rows are measured in turn, round after round, so a burst of outside load hits every row alike. */
  rounds: number;
  warmupSec: number;
  connections: number;
  /** Measured seconds per store for the refresh rows, over the same number of rounds. */
  refreshDurationSec: number;
  refreshConnections: number;
  /** Sessions opened per store for the refresh rows. */
  sessions: number;
}

function positiveInt(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${flag} must be a positive whole number`);
  return value;
}

export function sessionsBenchOptions(argv = process.argv.slice(2)): SessionsBenchOptions {
  const names = ['duration', 'rounds', 'warmup', 'connections', 'refresh-duration', 'refresh-connections', 'sessions'] as const;
  const { values } = parseArgs({ args: argv, options: Object.fromEntries(names.map((name) => [name, { type: 'string' }])) as Record<(typeof names)[number], { type: 'string' }> });
  const get = (name: (typeof names)[number], fallback: number) => positiveInt(name, values[name] as string | undefined, fallback);
  const options: SessionsBenchOptions = {
    durationSec: get('duration', 16),
    rounds: get('rounds', 8),
    warmupSec: get('warmup', 3),
    connections: get('connections', 32),
    refreshDurationSec: get('refresh-duration', 16),
    refreshConnections: get('refresh-connections', 16),
    sessions: get('sessions', 2_000),
  };
  // autocannon measures whole seconds.
  if (options.rounds > options.durationSec || options.rounds > options.refreshDurationSec) throw new Error('--rounds cannot exceed either duration (each round lasts at least 1 s)');
  return options;
}
