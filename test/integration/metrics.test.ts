/**
 * Prometheus' view of a gateway process with `metrics.listen`: a real relay, upstream and wallet
 * login, then a scrape of the separate listener. Names, types and labels follow the conventions stock
 * dashboards expect, and the main listener no longer serves /metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/index.js';
import type { GatewayProcess } from '../support/gateway-process.js';
import { requestJson } from '../support/http-json.js';
import { signInWithWallet } from '../support/login-client.js';
import type { RelayProcess } from '../support/relay-process.js';
import { startProcessStack, type Stack } from '../support/stack.js';
import { TestWallet } from '../support/wallet.js';

const service = generateKeyPair();
let relay: RelayProcess;
let gw: GatewayProcess;
let stack: Stack<GatewayProcess>;
let metricsUrl: string;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parse(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
  const samples = text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]),
      );
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
  return { types, samples };
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

beforeAll(async () => {
  stack = await startProcessStack(
    ({ relay, upstream }) => ({
      relays: [relay.url],
      store: { kind: 'memory' },
      metrics: { listen: { host: '127.0.0.1', port: 0 } },
      routes: [{ prefix: '/api', upstream: upstream.url, auth: 'required' }],
    }),
    { PORTAL_SERVICE_KEY: service.secretKey },
  );
  ({ relay, gw } = stack);
  metricsUrl = /^metrics: (http:\/\/\S+)$/m.exec(gw.output())![1]!;
});

afterAll(() => stack?.close());

describe('metrics.listen', () => {
  it('serves /metrics on its own port, and the main listener no longer does', async () => {
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(new URL(metricsUrl).port).not.toBe(new URL(gw.url).port);
    const scrape = await fetch(metricsUrl);
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const main = await requestJson('GET', `${gw.url}/metrics`);
    expect(main.status).toBe(404);
    expect(main.body.error).toBe('ERR_ROUTE_NOT_FOUND');
    const other = await requestJson('GET', metricsUrl.replace(/\/metrics$/, '/readyz'));
    expect(other.status).toBe(404);
  });
});

describe('a scrape after a wallet login and proxied requests', () => {
  it('has the conventional names, types and snake_case labels', async () => {
    const wallet = new TestWallet();
    const tokens = await signInWithWallet(gw.url, wallet);
    await wallet.close();
    expect((await requestJson('GET', `${gw.url}/api/items`, { token: tokens.access_token })).status).toBe(200);
    expect((await requestJson('GET', `${gw.url}/api/items`)).status).toBe(401);
    expect((await requestJson('GET', `${gw.url}/api/items`, { token: 'not.a.token' })).status).toBe(401);

    const { types, samples } = parse(await (await fetch(metricsUrl)).text());
    const expected: Record<string, string> = {
      portal_gateway_requests_total: 'counter',
      portal_gateway_request_duration_seconds: 'histogram',
      portal_gateway_logins_total: 'counter',
      portal_gateway_logins_started_total: 'counter',
      portal_gateway_logins_pending: 'gauge',
      portal_gateway_relay_events_total: 'counter',
      portal_gateway_relay_connected: 'gauge',
      portal_gateway_verify_cache_hits_total: 'counter',
      portal_gateway_verify_cache_misses_total: 'counter',
      portal_gateway_auth_outcomes_total: 'counter',
      portal_gateway_store_up: 'gauge',
      process_cpu_seconds_total: 'counter',
      process_resident_memory_bytes: 'gauge',
      nodejs_eventloop_lag_seconds: 'gauge',
    };
    for (const [name, type] of Object.entries(expected)) expect(types.get(name), name).toBe(type);
    for (const [name, type] of types) if (type === 'counter') expect(name).toMatch(/_total$/);

    expect(value(samples, 'portal_gateway_requests_total', { route: '/api', method: 'get', status: '200' })).toBe(1);
    expect(value(samples, 'portal_gateway_requests_total', { route: '/api', method: 'get', status: '401' })).toBe(2);
    expect(value(samples, 'portal_gateway_requests_total', { route: 'gateway', method: 'post', status: '201' })).toBe(
      1,
    ); // POST /auth/login
    expect(
      value(samples, 'portal_gateway_request_duration_seconds_count', { route: '/api', status_class: '2xx' }),
    ).toBe(1);
    expect(
      value(samples, 'portal_gateway_request_duration_seconds_count', { route: '/api', status_class: '4xx' }),
    ).toBe(2);
    expect(
      value(samples, 'portal_gateway_request_duration_seconds_bucket', {
        route: '/api',
        status_class: '4xx',
        le: '+Inf',
      }),
    ).toBe(2);
    expect(value(samples, 'portal_gateway_logins_total', { outcome: 'approved' })).toBe(1);
    expect(value(samples, 'portal_gateway_logins_started_total')).toBe(1);
    expect(value(samples, 'portal_gateway_relay_connected', { relay: relay.url })).toBe(1);
    // The wallet's handshake and answer came in through the relay.
    expect(
      value(samples, 'portal_gateway_relay_events_total', { relay: relay.url, result: 'accepted' }),
    ).toBeGreaterThanOrEqual(2);
    expect(value(samples, 'portal_gateway_auth_outcomes_total', { outcome: 'auth_required' })).toBe(1);
    expect(value(samples, 'portal_gateway_auth_outcomes_total', { outcome: 'jwt_malformed' })).toBe(1);
    expect(value(samples, 'portal_gateway_verify_cache_misses_total')).toBeGreaterThanOrEqual(1);
    expect(value(samples, 'portal_gateway_store_up')).toBe(1);
    expect(value(samples, 'process_cpu_seconds_total')).toBeGreaterThan(0);

    // Label values are snake_case, except the ones that name something (a route prefix, a relay URL)
    // and the numbers (status, bucket bounds).
    for (const { name, labels } of samples.filter((s) => s.name.startsWith('portal_gateway_'))) {
      for (const [label, text] of Object.entries(labels)) {
        if (['route', 'relay', 'status', 'le'].includes(label)) continue;
        expect(text, `${name} ${label}`).toMatch(/^[a-z0-9]+(_[a-z0-9]+)*$/);
      }
    }
  });
});
