/**
 * Prometheus metrics (prom-client) on a registry of the gateway's own, so that several gateways in one
 * process (tests, embedding) do not collide. Per-request counts are kept in plain maps and handed to
 * prom-client when Prometheus scrapes: labelled `inc()` hashes its label set on every call, which
 * showed in profiles of the proxy path.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuthServices } from '../auth/auth-services.js';
import type { CacheStats } from '../jwt/token-verifier.js';

export interface GatewayMetrics {
  registry: Registry;
  /** One answered request, by route prefix ('gateway' for the gateway's own, 'unmatched' for 404s). */
  countRequest(route: string, method: string, status: number): void;
  /** One authentication decision: 'ok', 'anonymous' or an error code. */
  countAuthOutcome(outcome: string): void;
  /** One token verification the verified-token cache could not answer. */
  observeVerify(seconds: number): void;
  /** Relay and login gauges, read from the auth services at scrape time. */
  observeAuth(auth: AuthServices): void;
}

export function createMetrics(cacheStats: () => CacheStats): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'portal_gateway_' });
  // route -> method -> status -> count
  const requestCounts = new Map<string, Map<string, Map<number, number>>>();
  const outcomeCounts = new Map<string, number>();
  new Counter({
    name: 'portal_gateway_http_requests_total',
    help: 'HTTP requests by route prefix, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [route, methods] of requestCounts) {
        for (const [method, statuses] of methods) {
          for (const [status, count] of statuses) this.inc({ route, method, status: String(status) }, count);
        }
      }
    },
  });
  new Counter({
    name: 'portal_gateway_auth_outcomes_total',
    help: 'Authentication decisions: ok, anonymous, or the error code',
    labelNames: ['outcome'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [outcome, count] of outcomeCounts) this.inc({ outcome }, count);
    },
  });
  const verifySeconds = new Histogram({
    name: 'portal_gateway_verify_seconds',
    help: 'Time to verify a token the verified-token cache did not hold (signature and claims)',
    buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01],
    registers: [registry],
  });
  new Gauge({
    name: 'portal_gateway_verify_cache_hit_ratio',
    help: 'Share of token verifications answered by the verified-token cache',
    registers: [registry],
    collect() {
      const { hits, misses } = cacheStats();
      this.set(hits + misses === 0 ? 0 : hits / (hits + misses));
    },
  });
  new Gauge({
    name: 'portal_gateway_verify_cache_entries',
    help: 'Tokens held in the verified-token cache',
    registers: [registry],
    collect() {
      this.set(cacheStats().size);
    },
  });
  function observeAuth(auth: AuthServices): void {
    new Gauge({
      name: 'portal_gateway_relay_connected',
      help: '1 when the relay connection is open',
      labelNames: ['relay'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const relay of auth.pool.status()) this.set({ relay: relay.url }, relay.state === 'open' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'portal_gateway_relay_events',
      help: 'Events per relay: received, accepted, rejected (bad signature or filter), and reconnects',
      labelNames: ['relay', 'counter'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const relay of auth.pool.status()) {
          for (const [counter, value] of Object.entries(relay.counters)) this.set({ relay: relay.url, counter }, value);
        }
      },
    });
    new Gauge({
      name: 'portal_gateway_logins',
      help: 'Wallet logins: pending now, and totals by outcome since start',
      labelNames: ['state'] as const,
      registers: [registry],
      collect() {
        this.reset();
        const { ignored, ...counts } = auth.authenticator.stats();
        for (const [state, value] of Object.entries(counts)) this.set({ state }, value);
        for (const [reason, value] of Object.entries(ignored)) this.set({ state: `ignored_${reason}` }, value);
      },
    });
  }

  function countRequest(route: string, method: string, status: number): void {
    let methods = requestCounts.get(route);
    if (methods === undefined) requestCounts.set(route, (methods = new Map()));
    let statuses = methods.get(method);
    if (statuses === undefined) methods.set(method, (statuses = new Map()));
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
  }
  return {
    registry,
    countRequest,
    countAuthOutcome: (outcome) => void outcomeCounts.set(outcome, (outcomeCounts.get(outcome) ?? 0) + 1),
    observeVerify: (seconds) => verifySeconds.observe(seconds),
    observeAuth,
  };
}
