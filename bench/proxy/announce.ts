/**
 * Child-side half of the benchmark's process protocol: each server under test runs in its own process
 * (so the load generator never shares its event loop) and tells the parent its port on one stdout line.
 */

/** The line the parent waits for; nothing else is written to stdout by a benchmark child. */
export const PORT_LINE = /^PORT (\d+)$/m;

/** Announce a port given as a number or as the URL Fastify's listen() resolves to. */
export function announce(where: number | string): void {
  const port = typeof where === 'number' ? where : Number(new URL(where).port);
  if (!port) throw new Error('benchmark child: no listening port to announce');
  process.stdout.write(`PORT ${port}\n`);
  // Exit (rather than die by the signal) when the parent stops us, so that exit-time work such as
  // `node --cpu-prof` output still happens.
  process.once('SIGTERM', () => process.exit(0));
}

/** The upstream the parent started, given to every proxy child in UPSTREAM_URL. */
export function upstreamUrl(): string {
  const url = process.env.UPSTREAM_URL;
  if (!url) throw new Error('benchmark child: UPSTREAM_URL is not set');
  return url;
}
