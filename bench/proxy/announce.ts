/**
 * Child-side half of the benchmark's process protocol: each server under test runs in its own process
 * (so the load generator never shares its event loop) and tells the parent its port on one stdout line.
 */

/** The line the parent waits for. */
export const PORT_LINE = /^PORT (\d+)\n/m;
/** The answer to SIGUSR2: CPU microseconds (user + system, every thread) the process has used so far. */
export const CPU_LINE = /^CPU (\d+)\n/m;

/** Announce a port given as a number or as the URL Fastify's listen() resolves to. */
export function announce(where: number | string): void {
  const port = typeof where === 'number' ? where : Number(new URL(where).port);
  if (!port) throw new Error('benchmark child: no listening port to announce');
  // Exit (rather than die by the signal) when the parent stops us, so that exit-time work such as
  // `node --cpu-prof` output still happens.
  process.once('SIGTERM', () => process.exit(0));
  // getrusage has microsecond resolution where /proc counts 10 ms ticks: a short round at a modest
  // rate uses only a few dozen ticks, too coarse to tell rows apart by a few per cent.
  process.on('SIGUSR2', () => {
    const { user, system } = process.cpuUsage();
    process.stdout.write(`CPU ${user + system}\n`);
  });
  // Only now: the parent may signal as soon as it reads the port, and SIGUSR2's default action is to exit.
  process.stdout.write(`PORT ${port}\n`);
}

/** The upstream the parent started, given to every proxy child in UPSTREAM_URL. */
export function upstreamUrl(): string {
  const url = process.env.UPSTREAM_URL;
  if (!url) throw new Error('benchmark child: UPSTREAM_URL is not set');
  return url;
}
