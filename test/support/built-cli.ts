/**
 * The built program (`dist/cli.js`, as installed) in a child process: a run to completion with its exit
 * code, output and duration, or a long-running command (`serve`) followed until it prints a line.
 * PORTAL_* variables of the test runner are not passed on: the arguments and `env` alone decide.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stopChild } from './child-process.js';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** From spawn to exit. */
  ms: number;
}

function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('PORTAL_')),
  );
  return Object.assign(out, env);
}

function launch(args: readonly string[], options: { env?: Record<string, string>; cwd?: string }): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? ROOT,
    env: childEnv(options.env ?? {}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs the program to its exit (killed after `timeoutMs`, then `code` is null). */
export function runCli(
  args: readonly string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<CliRun> {
  const started = Date.now();
  const child = launch(args, options);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

export interface RunningCli {
  child: ChildProcess;
  /** The first match of the awaited pattern. */
  match: RegExpExecArray;
  output(): { stdout: string; stderr: string };
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

/** Starts a long-running command and waits until its stderr matches `ready`. */
export async function startCli(
  args: readonly string[],
  ready: RegExp,
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<RunningCli> {
  const child = launch(args, options);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(
      () => fail(`no match after ${options.timeoutMs ?? 30_000} ms`),
      options.timeoutMs ?? 30_000,
    );
    const onExit = (code: number | null) => fail(`exited with ${code}`);
    function fail(why: string) {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`portal-gateway ${args.join(' ')}: ${why}\n${stderr}`));
    }
    child.once('exit', onExit);
    child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      const found = ready.exec(stderr);
      if (!found) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve(found);
    });
  });
  return { child, match, output: () => ({ stdout, stderr }), stop: () => stopChild(child, 'SIGTERM') };
}
