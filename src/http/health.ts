/** Liveness (`/healthz`) and readiness (`/readyz`): readiness checks that each upstream accepts connections. */
import type { FastifyInstance } from 'fastify';
import { connect } from 'node:net';

/** A named readiness probe; resolves to a short status text or throws with the reason. */
export type ReadinessCheck = () => Promise<string>;

export function tcpReachable(url: string, timeoutMs = 1000): ReadinessCheck {
  const { hostname, port, protocol } = new URL(url);
  const target = { host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || (protocol === 'https:' ? 443 : 80)) };
  return () =>
    new Promise((resolve, reject) => {
      const socket = connect(target);
      const timer = setTimeout(() => socket.destroy(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.end();
        resolve('ok');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new Error(error.code ?? error.message));
      });
    });
}

export function registerHealthRoutes(
  app: FastifyInstance,
  checks: () => Record<string, ReadinessCheck>,
  info: () => Record<string, unknown> = () => ({}),
): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const entries = Object.entries(checks());
    const results = await Promise.all(
      entries.map(async ([name, check]) => {
        try {
          return [name, { ok: true, status: await check() }] as const;
        } catch (error) {
          return [name, { ok: false, status: (error as Error).message }] as const;
        }
      }),
    );
    const ready = results.every(([, result]) => result.ok);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks: Object.fromEntries(results), ...info() });
  });
}
