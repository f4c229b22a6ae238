/**
 * CPU time a child process has used, read from /proc (Linux). Throughput on a shared machine moves with
 * whatever else runs; CPU time per request of the server under test is the steadier figure.
 */
import { readFileSync } from 'node:fs';

/** Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream architecture. */
const TICKS_PER_SEC = 100;

/**
 * User + system CPU seconds of `pid` (all its threads), or of its main thread (the event loop) with
 * `mainThreadOnly`; undefined where /proc is not available.
 */
export function cpuSeconds(pid: number, mainThreadOnly = false): number | undefined {
  try {
    const stat = readFileSync(mainThreadOnly ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name (which may contain spaces): utime is 14th, stime 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SEC;
  } catch {
    return undefined;
  }
}
