/** Parent side of bench/login/gateway-main.ts: start it, wait for its URL, ask for its report, stop it. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { GatewayReport } from './gateway-main.js';

const MAIN = fileURLToPath(new URL('./gateway-main.ts', import.meta.url));
const START_TIMEOUT_MS = 60_000;

export interface GatewayProcess {
  url: string;
  /** Memory after a full GC in the gateway process, and its CPU time so far. */
  report(): Promise<GatewayReport>;
  stop(): Promise<void>;
}

export async function startGatewayProcess(relays: readonly string[]): Promise<GatewayProcess> {
  const child: ChildProcess = fork(MAIN, [], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    env: { ...process.env, BENCH_RELAYS: relays.join(',') },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  process.once('exit', () => child.kill('SIGKILL'));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the benchmark gateway did not start')), START_TIMEOUT_MS);
    child.once('exit', (code) => reject(new Error(`the benchmark gateway exited with ${code} before it was ready`)));
    child.on('message', (message: { type?: string; url?: string }) => {
      if (message.type !== 'ready') return;
      clearTimeout(timer);
      resolve(message.url!);
    });
  });
  return {
    url,
    report: () =>
      new Promise((resolve) => {
        const onMessage = (message: GatewayReport) => {
          if (message.type !== 'report') return;
          child.off('message', onMessage);
          resolve(message);
        };
        child.on('message', onMessage);
        child.send({ type: 'report' });
      }),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.disconnect();
      await exited;
    },
  };
}
