/**
 * The gateway as operators run it: `portal-gateway serve --config <file>` (or `serve` configured by the
 * environment alone) in its own process, so that a test can run several replicas side by side, or
 * SIGKILL one mid-traffic and start it again on the same data directory. The config file gets loopback
 * defaults; the caller passes secrets in the environment.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopChild } from './child-process.js';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const START_TIMEOUT_MS = 30_000;
const LISTENING = /portal-gateway listening on (https?:\/\/\S+)/;

export interface GatewayProcess {
  /** Base URL of the running process (a restart listens on a new port). */
  readonly url: string;
  readonly dataDir: string;
  /** Everything written to stdout (the JSON log) and stderr (banner, errors) by every run so far. */
  output(): string;
  /** SIGKILL, as a crash: nothing is drained, closed or flushed. Resolves once the process is gone. */
  kill(): Promise<void>;
  /** The process's id while it runs (to send it signals). */
  readonly pid: number | undefined;
  /** Starts the process again with the same config file, environment and data directory. */
  restart(): Promise<void>;
  /** SIGTERM (drain, then exit) and wait for the exit. */
  stop(): Promise<void>;
}

// A test that fails before its afterAll must not leave gateways running.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Writes `config` (over loopback defaults: port 0, a fresh data directory, log level warn) to a file
 * and runs `serve --config` on it. PORTAL_* variables of the test runner are not passed on, so the
 * file and `env` alone decide the configuration.
 */
export async function startGatewayProcess(
  config: Record<string, unknown>,
  env: Record<string, string> = {},
): Promise<GatewayProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'portal-gateway-process-'));
  const dataDir = join(dir, 'data');
  const configPath = join(dir, 'gateway.json');
  writeFileSync(
    configPath,
    JSON.stringify({ listen: { host: '127.0.0.1', port: 0 }, dataDir, logLevel: 'warn', ...config }),
  );
  return runServe(['--config', configPath], dataDir, env);
}

/**
 * `serve` with no config file: `env` (over loopback defaults: PORTAL_LISTEN_HOST, PORTAL_LISTEN_PORT=0,
 * a fresh PORTAL_DATA_DIR, PORTAL_LOG_LEVEL=warn) is the whole configuration; it must name routes.
 */
export async function startGatewayFromEnvironment(env: Record<string, string>): Promise<GatewayProcess> {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'portal-gateway-process-')), 'data');
  const defaults = {
    PORTAL_LISTEN_HOST: '127.0.0.1',
    PORTAL_LISTEN_PORT: '0',
    PORTAL_DATA_DIR: dataDir,
    PORTAL_LOG_LEVEL: 'warn',
  };
  return runServe([], env.PORTAL_DATA_DIR ?? dataDir, { ...defaults, ...env });
}

async function runServe(serveArgs: string[], dataDir: string, env: Record<string, string>): Promise<GatewayProcess> {
  const childEnv: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('PORTAL_')),
  );
  Object.assign(childEnv, env);

  let output = '';
  let child: ChildProcess | undefined;
  let url = '';

  async function launch(): Promise<void> {
    const next = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', ...serveArgs], {
      cwd: ROOT,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(next);
    next.once('exit', () => running.delete(next));
    child = next;
    url = await new Promise<string>((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => fail(`not listening after ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
      const onExit = (code: number | null, signal: string | null) => fail(`exited with ${signal ?? code}`);
      function fail(why: string) {
        clearTimeout(timer);
        next.off('exit', onExit);
        next.kill('SIGKILL');
        reject(new Error(`gateway process did not start (${why}):\n${seen}`));
      }
      next.once('exit', onExit);
      next.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      next.stderr!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        seen += chunk.toString();
        const match = LISTENING.exec(seen);
        if (!match) return;
        clearTimeout(timer);
        next.off('exit', onExit);
        resolve(match[1]!);
      });
    });
  }

  async function signal(name: NodeJS.Signals): Promise<void> {
    const current = child;
    child = undefined;
    await stopChild(current, name);
  }

  await launch();
  return {
    get url() {
      return url;
    },
    get pid() {
      return child?.pid;
    },
    dataDir,
    output: () => output,
    kill: () => signal('SIGKILL'),
    stop: () => signal('SIGTERM'),
    async restart() {
      await signal('SIGKILL');
      await launch();
    },
  };
}
