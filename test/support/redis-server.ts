/**
 * A real redis-server for tests, on a free loopback port, with no persistence, in a temp dir.
 * The binary is `REDIS_SERVER_BIN`, else `redis-server` on the PATH. Without one the Redis tests are
 * skipped (one line says so, see redis-binary.ts), except under `CI=true`, where they run and fail.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRedisServer, isExecutable } from './redis-binary.js';

const READY_TIMEOUT_MS = 10_000;
export const REDIS_SERVER_BIN = findRedisServer();

export interface RedisServer {
  url: string;
  port: number;
  /** SIGKILL, as a crash: every connection drops at once. The port stays reserved for restart(). */
  kill(): Promise<void>;
  /** Starts the server again on the same port (empty: nothing was persisted). */
  restart(): Promise<void>;
  /** SIGSTOP: connections stay open but nothing is answered, as an overloaded or frozen server. */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Resolves once redis-server logs that it accepts connections; rejects with its output otherwise. */
function waitUntilReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new Error(`redis-server did not start (${why}):\n${output}`));
    };
    const timer = setTimeout(() => fail(`not ready after ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code, signal) => fail(`exited with ${signal ?? code}`));
  });
}

export async function startRedisServer(): Promise<RedisServer> {
  const bin = REDIS_SERVER_BIN;
  if (bin === undefined || !isExecutable(bin)) {
    throw new Error(
      `${bin ?? 'redis-server'} is missing: the Redis tests need a real server (apt-get install redis-server, or REDIS_SERVER_BIN=/path/to/redis-server)`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'portal-gateway-redis-'));
  const launch = async (port: number) => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
    const child = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await waitUntilReady(child);
    } catch (error) {
      await stopProcess(child);
      throw error;
    }
    return child;
  };
  // Another process may take the free port before redis-server binds it: try a few ports.
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    let child: ChildProcess;
    try {
      child = await launch(port);
    } catch (error) {
      if (attempt < 3) continue;
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      kill: async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      },
      restart: async () => {
        await stopProcess(child);
        child = await launch(port);
      },
      pause: () => void child.kill('SIGSTOP'),
      resume: () => void child.kill('SIGCONT'),
      stop: async () => {
        await stopProcess(child);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}
