/** Stopping a test's child process and waiting until it has exited. */
import type { ChildProcess } from 'node:child_process';

export async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await exited;
  child.stdin?.destroy();
  child.stdout?.destroy();
}
