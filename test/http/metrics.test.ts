/**
 * The gateway's metrics as Prometheus reads them: conventional names and types, snake_case label
 * values, the request histogram kept in plain arrays, and the standard process and Node.js metrics.
 */
import { describe, expect, it } from 'vitest';
import { createMetrics, snakeCase } from '../../src/http/metrics.js';
import { REQUEST_DURATION_BUCKETS } from '../../src/http/request-histogram.js';

/** `# TYPE` of every metric family in an exposition. */
function types(text: string): Map<string, string> {
  return new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

/** The value of one sample line, found by its exact name and labels. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('createMetrics', () => {
  it('counts requests by route, method and status, and their durations by route and status class', async () => {
    const metrics = createMetrics(() => ({ hits: 7, misses: 3, size: 2 }));
    metrics.countRequest('/api', 'GET', 200, 0.0004);
    metrics.countRequest('/api', 'GET', 200, 0.003);
    metrics.countRequest('/api', 'GET', 204, 20);
    metrics.countRequest('/api', 'POST', 401, 0.0002);
    metrics.countAuthOutcome('ok');
    metrics.countAuthOutcome('ERR_JWT_EXPIRED');
    metrics.countAuthOutcome('ERR_JWT_EXPIRED');
    const text = await metrics.registry.metrics();
    const kinds = types(text);

    expect(kinds.get('portal_gateway_requests_total')).toBe('counter');
    expect(sample(text, 'portal_gateway_requests_total{route="/api",method="get",status="200"}')).toBe(2);
    expect(sample(text, 'portal_gateway_requests_total{route="/api",method="post",status="401"}')).toBe(1);

    const h = 'portal_gateway_request_duration_seconds';
    expect(kinds.get(h)).toBe('histogram');
    // Buckets are cumulative; 20 s is above the largest bound and only in +Inf.
    expect(sample(text, `${h}_bucket{route="/api",status_class="2xx",le="0.001"}`)).toBe(1);
    expect(sample(text, `${h}_bucket{route="/api",status_class="2xx",le="0.005"}`)).toBe(2);
    expect(sample(text, `${h}_bucket{route="/api",status_class="2xx",le="10"}`)).toBe(2);
    expect(sample(text, `${h}_bucket{route="/api",status_class="2xx",le="+Inf"}`)).toBe(3);
    expect(sample(text, `${h}_count{route="/api",status_class="2xx"}`)).toBe(3);
    expect(sample(text, `${h}_sum{route="/api",status_class="2xx"}`)).toBeCloseTo(20.0034, 6);
    expect(sample(text, `${h}_count{route="/api",status_class="4xx"}`)).toBe(1);
    const bounds = [
      ...text.matchAll(new RegExp(`^${h}_bucket\\{route="/api",status_class="4xx",le="([^"]+)"\\}`, 'gm')),
    ].map((m) => m[1]);
    expect(bounds).toEqual([...REQUEST_DURATION_BUCKETS.map(String), '+Inf']);

    expect(kinds.get('portal_gateway_auth_outcomes_total')).toBe('counter');
    expect(sample(text, 'portal_gateway_auth_outcomes_total{outcome="jwt_expired"}')).toBe(2);
    expect(sample(text, 'portal_gateway_auth_outcomes_total{outcome="ok"}')).toBe(1);
    expect(kinds.get('portal_gateway_verify_cache_hits_total')).toBe('counter');
    expect(sample(text, 'portal_gateway_verify_cache_hits_total')).toBe(7);
    expect(sample(text, 'portal_gateway_verify_cache_misses_total')).toBe(3);
    expect(sample(text, 'portal_gateway_verify_cache_entries')).toBe(2);
    expect(kinds.get('portal_gateway_verify_duration_seconds')).toBe('histogram');
  });

  it('exposes the standard process and Node.js metrics under their usual names', async () => {
    const kinds = types(await createMetrics(() => ({ hits: 0, misses: 0, size: 0 })).registry.metrics());
    expect(kinds.get('process_cpu_seconds_total')).toBe('counter');
    expect(kinds.get('process_resident_memory_bytes')).toBe('gauge');
    expect(kinds.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
    expect(kinds.get('nodejs_heap_size_used_bytes')).toBe('gauge');
    // Every counter ends in _total; every name of the gateway's own starts with portal_gateway_.
    for (const [name, kind] of kinds) if (kind === 'counter') expect(name).toMatch(/_total$/);
    expect([...kinds.keys()].filter((name) => !/^(portal_gateway|process|nodejs)_/.test(name))).toEqual([]);
  });

  it('writes label values in snake_case', () => {
    expect(snakeCase('ERR_TOKEN_REVOKED')).toBe('token_revoked');
    expect(snakeCase('unknownToken')).toBe('unknown_token');
    expect(snakeCase('badSubkeyProof')).toBe('bad_subkey_proof');
    expect(snakeCase('ok')).toBe('ok');
  });
});
