/**
 * The dev relay in a child process, so a test can SIGKILL it in the middle of a login and start it
 * again on the same port, as a real relay restart looks to its clients.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stopChild } from './child-process.js';

const MAIN = fileURLToPath(new URL('./relay-main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const START_TIMEOUT_MS = 20_000;

export interface RelayProcess {
  readonly url: string;
  readonly port: number;
  /** SIGKILL: connections drop at once, nothing is closed cleanly. */
  kill(): Promise<void>;
  /** Starts the relay again on the same port (after kill or stop). */
  restart(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

/** Starts a relay process on `port` (default: a free port chosen by the relay). */
export async function startRelayProcess(options: { port?: number } = {}): Promise<RelayProcess> {
  let child: ChildProcess | undefined;
  const first = await launch(options.port ?? 0);
  child = first.child;
  const port = first.port;

  async function signal(name: NodeJS.Signals): Promise<void> {
    const current = child;
    child = undefined;
    await stopChild(current, name);
  }

  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    kill: () => signal('SIGKILL'),
    stop: () => signal('SIGTERM'),
    async restart() {
      await signal('SIGKILL');
      child = (await launch(port)).child;
    },
  };
}

function launch(port: number): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--port', String(port)], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`relay process did not start within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /READY (\d+)/.exec(output);
      if (ready) {
        clearTimeout(timer);
        resolve({ child, port: Number(ready[1]) });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`relay process exited before it was ready (code ${code}, signal ${signal})`));
    });
  });
}
