/**
 * Prometheus metrics (prom-client) on a registry of the gateway's own, so that several gateways in one
 * process (tests, embedding) do not collide.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CacheStats } from '../jwt/token-verifier.js';

export interface GatewayMetrics {
  registry: Registry;
  requests: Counter<'route' | 'method' | 'status'>;
  authOutcomes: Counter<'outcome'>;
  verifySeconds: Histogram;
}

export function createMetrics(cacheStats: () => CacheStats): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'portal_gateway_' });
  const requests = new Counter({
    name: 'portal_gateway_http_requests_total',
    help: 'HTTP requests by route prefix, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const authOutcomes = new Counter({
    name: 'portal_gateway_auth_outcomes_total',
    help: 'Authentication decisions: ok, anonymous, or the error code',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const verifySeconds = new Histogram({
    name: 'portal_gateway_auth_seconds',
    help: 'Time to authenticate a request (token verification, cache lookup, revocation check)',
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
  return { registry, requests, authOutcomes, verifySeconds };
}
