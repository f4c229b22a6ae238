/** Run settings of the proxy benchmark: flags (`--duration 10`) win over environment variables. */
import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** Measured seconds per target, split evenly over the rounds. */
  durationSec: number;
  warmupSec: number;
  /** Untimed load on each row right before each of its measured rounds, after it sat idle meanwhile. */
  roundWarmupSec: number;
  /** Targets are measured in turn, round after round, so a burst of outside load hits every row alike. */
  rounds: number;
  connections: number;
  /** Log level of the gateway rows: 'warn' (no per-request line) or 'info' (the access log). */
  gatewayLog: string;
}

function positiveInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive whole number`);
  return value;
}

export function benchOptions(argv = process.argv.slice(2)): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      'round-warmup': { type: 'string' },
      rounds: { type: 'string' },
      connections: { type: 'string' },
      'gateway-log': { type: 'string' },
    },
  });
  const env = process.env;
  const gatewayLog = values['gateway-log'] ?? env.PROXY_BENCH_GATEWAY_LOG ?? 'warn';
  if (gatewayLog !== 'warn' && gatewayLog !== 'info') throw new Error('--gateway-log must be warn or info');
  const durationSec = positiveInt('--duration', values.duration ?? env.PROXY_BENCH_DURATION, 10);
  const rounds = positiveInt('--rounds', values.rounds ?? env.PROXY_BENCH_ROUNDS, 10);
  if (rounds > durationSec) throw new Error('--rounds cannot exceed --duration (each round lasts at least 1 s)');
  return {
    durationSec,
    warmupSec: positiveInt('--warmup', values.warmup ?? env.PROXY_BENCH_WARMUP, 3),
    roundWarmupSec: positiveInt('--round-warmup', values['round-warmup'] ?? env.PROXY_BENCH_ROUND_WARMUP, 1),
    rounds,
    connections: positiveInt('--connections', values.connections ?? env.PROXY_BENCH_CONNECTIONS, 50),
    gatewayLog,
  };
}
