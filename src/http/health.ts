/**
 * Liveness (`/healthz`: the process serves HTTP) and readiness (`/readyz`: it can authenticate and
 * forward). Readiness depends on the store alone; upstreams, relays and logins are reported in the
 * body but never change the status, so one dead upstream does not take the gateway out of rotation.
 * Every check has a short timeout and its result is kept about a second, so `/readyz` answers within
 * a second however often a load balancer asks and whatever hangs behind it.
 */
import type { FastifyInstance } from 'fastify';
import { connect } from 'node:net';
import type { GatewayPaths } from '../gateway-endpoints.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A load balancer's or scraper's probe: its requests are logged only with `log.probes`. */
    probe?: boolean;
  }
}

/** A named probe; resolves to a short status text or throws with the reason. */
export type ReadinessCheck = () => Promise<string>;

export interface CheckResult {
  ok: boolean;
  status: string;
}

const CHECK_TIMEOUT_MS = 500;
const CHECK_CACHE_MS = 1000;

export function tcpReachable(url: string, timeoutMs = CHECK_TIMEOUT_MS): ReadinessCheck {
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

/**
 * `check` bounded by `timeoutMs` and remembered for `cacheMs`; callers that arrive while it runs share
 * the same run. Never rejects.
 */
export function cachedCheck(
  check: ReadinessCheck,
  timeoutMs = CHECK_TIMEOUT_MS,
  cacheMs = CHECK_CACHE_MS,
): () => Promise<CheckResult> {
  let last: { result: CheckResult; at: number } | undefined;
  let running: Promise<CheckResult> | undefined;
  const run = async (): Promise<CheckResult> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return { ok: true, status: await Promise.race([check(), timeout]) };
    } catch (error) {
      return { ok: false, status: (error as Error).message };
    } finally {
      clearTimeout(timer);
    }
  };
  return () => {
    if (last && performance.now() - last.at < cacheMs) return Promise.resolve(last.result);
    running ??= run().then((result) => {
      last = { result, at: performance.now() };
      running = undefined;
      return result;
    });
    return running;
  };
}

export interface ReadinessSources {
  /** The status depends on these: without them the gateway cannot authenticate or forward. */
  required: Record<string, ReadinessCheck>;
  /** Reported, keyed by upstream origin. */
  upstreams: Record<string, ReadinessCheck>;
  /** Further facts for the body (relays, logins), read at each request. */
  info: () => Record<string, unknown>;
}

export function registerHealthRoutes(app: FastifyInstance, paths: GatewayPaths, sources: ReadinessSources): void {
  const cached = (checks: Record<string, ReadinessCheck>) =>
    Object.entries(checks).map(([name, check]) => [name, cachedCheck(check)] as const);
  const required = cached(sources.required);
  const upstreams = cached(sources.upstreams);
  const results = (checks: typeof required) =>
    Promise.all(checks.map(async ([name, check]) => [name, await check()] as const));

  app.get(paths.healthz, { config: { probe: true } }, async () => ({ status: 'ok' }));
  app.get(paths.readyz, { config: { probe: true } }, async (_request, reply) => {
    const [checks, reachable] = await Promise.all([results(required), results(upstreams)]);
    const ready = checks.every(([, result]) => result.ok);
    return reply
      .code(ready ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({
        status: ready ? 'ready' : 'not_ready',
        checks: Object.fromEntries(checks),
        upstreams: Object.fromEntries(reachable),
        ...sources.info(),
      });
  });
}
