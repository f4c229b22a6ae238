/**
 * Parent-side half of the process protocol: start a benchmark server with `node --import tsx`, wait for
 * its port line, stop it when its row is done. Children still running when the parent exits are killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CPU_LINE, PORT_LINE } from './announce.js';

export interface ChildServer {
  name: string;
  url: string;
  pid: number;
  /** CPU microseconds the child has used so far, all threads (it answers SIGUSR2 on stdout). */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

const STARTUP_TIMEOUT_MS = 30_000;
/** tsx's loader by absolute URL, so children start whatever the working directory. */
const TSX_LOADER = import.meta.resolve('tsx');

/** Start `bench/proxy/<file>.ts` with extra environment (and Node/V8 flags); resolves once it listens. */
export async function startChild(
  file: string,
  env: Record<string, string> = {},
  nodeArgs: readonly string[] = [],
): Promise<ChildServer> {
  const script = fileURLToPath(new URL(`./${file}.ts`, import.meta.url));
  const child = spawn(process.execPath, [...nodeArgs, '--import', TSX_LOADER, script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));

  const port = await new Promise<number>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => fail(new Error(`${file}: no port after ${STARTUP_TIMEOUT_MS} ms`)),
      STARTUP_TIMEOUT_MS,
    );
    const onExit = (code: number | null) => fail(new Error(`${file}: exited with ${code} before listening`));
    function fail(error: Error) {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.kill('SIGKILL');
      reject(error);
    }
    child.once('exit', onExit);
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      const match = PORT_LINE.exec(seen);
      if (!match) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve(Number(match[1]));
    });
  });

  const pendingCpu: ((micros: number) => void)[] = [];
  let lines = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    lines += chunk.toString('utf8');
    for (let match = CPU_LINE.exec(lines); match; match = CPU_LINE.exec(lines)) {
      lines = lines.slice(match.index + match[0].length);
      pendingCpu.shift()?.(Number(match[1]));
    }
  });

  return {
    name: file,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    cpuMicros() {
      return new Promise<number>((resolve) => {
        pendingCpu.push(resolve);
        child.kill('SIGUSR2');
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
