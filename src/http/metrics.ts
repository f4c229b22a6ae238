/**
 * Prometheus metrics (prom-client) on a registry of the gateway's own, so that several gateways in one
 * process (tests, embedding) do not collide. Names follow Prometheus' conventions (counters end in
 * `_total`, durations are `_seconds`, label values are snake_case), and the standard process and
 * Node.js metrics keep their usual names, so stock dashboards work. Per-request counts are kept in
 * plain maps and arrays and handed to prom-client when Prometheus scrapes: labelled `inc()` hashes its
 * label set on every call, which showed in profiles of the proxy path. The README lists every metric.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { RequestDurationHistogram } from './request-histogram.js';

/**
 * How often the event-loop lag histogram samples. prom-client's 10 ms woke an idle gateway 100 times a
 * second (half its idle CPU); lag is still measured to the microsecond at every sample.
 */
const EVENT_LOOP_SAMPLE_MS = 100;

/** The verified-token cache's counters. */
interface CacheStats {
  hits: number;
  misses: number;
  size: number;
}

/**
 * What the metrics read from the sign-in services at scrape time: the relay pool, the login conversation
 * and the store's health. Described here rather than imported, so that http/ depends on no layer above it.
 */
export interface ObservedAuth {
  pool: {
    status(): readonly {
      url: string;
      state: string;
      counters: {
        eventsAccepted: number;
        eventsRejected: number;
        publishesOk: number;
        publishesFailed: number;
        reconnects: number;
      };
    }[];
  };
  authenticator: {
    stats(): Record<
      'started' | 'approved' | 'declined' | 'expired' | 'cancelled' | 'failed' | 'pendingLogins',
      number
    > & { ignored: object };
  };
  storeAvailable(): boolean;
}

export interface GatewayMetrics {
  registry: Registry;
  /** One answered request, by route prefix ('gateway' for the gateway's own, 'unmatched' for 404s), and how long it took. */
  countRequest(route: string, method: string, status: number, seconds: number): void;
  /** One authentication decision: 'ok', 'anonymous' or an error code. */
  countAuthOutcome(outcome: string): void;
  /** One proxied request the upstream failed (not answered, or its answer broken off), by route prefix and error code. */
  countUpstreamFailure(route: string, code: string): void;
  /** One token verification the verified-token cache could not answer. */
  observeVerify(seconds: number): void;
  /** Relay, login and store metrics, read from the auth services at scrape time. */
  observeAuth(auth: ObservedAuth): void;
}

/** `eventsAccepted` → `events_accepted`, `ERR_JWT_EXPIRED` → `jwt_expired`: label values in snake_case. */
export function snakeCase(value: string): string {
  return value
    .replace(/^ERR_/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** A counter whose value is read from somewhere else at each scrape. */
function counterFrom(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  read: (set: (labels: Record<string, string>, value: number) => void) => void,
): void {
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      read((labels, value) => this.inc(labels, value));
    },
  });
}

function gaugeFrom(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly string[],
  read: (set: (labels: Record<string, string>, value: number) => void) => void,
): void {
  new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      read((labels, value) => this.set(labels, value));
    },
  });
}

export function createMetrics(cacheStats: () => CacheStats): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  // route -> method -> status -> count
  const requestCounts = new Map<string, Map<string, Map<number, number>>>();
  const durations = new RequestDurationHistogram();
  const outcomeCounts = new Map<string, number>();
  // route -> code -> count
  const upstreamFailures = new Map<string, Map<string, number>>();

  counterFrom(
    registry,
    'portal_gateway_requests_total',
    'HTTP requests answered, by route prefix, method and status',
    ['route', 'method', 'status'],
    (set) => {
      for (const [route, methods] of requestCounts) {
        for (const [method, statuses] of methods) {
          for (const [status, count] of statuses)
            set({ route, method: method.toLowerCase(), status: String(status) }, count);
        }
      }
    },
  );
  durations.register(registry);
  counterFrom(
    registry,
    'portal_gateway_auth_outcomes_total',
    'Authentication decisions on routes with a policy: ok, anonymous, or the error (jwt_expired, token_revoked, …)',
    ['outcome'],
    (set) => {
      for (const [outcome, count] of outcomeCounts) set({ outcome: snakeCase(outcome) }, count);
    },
  );
  counterFrom(
    registry,
    'portal_gateway_upstream_failures_total',
    'Proxied requests the upstream failed (refused, reset, untrusted certificate, timed out, answer broken off), by route prefix and error',
    ['route', 'code'],
    (set) => {
      for (const [route, codes] of upstreamFailures)
        for (const [code, count] of codes) set({ route, code: snakeCase(code) }, count);
    },
  );
  counterFrom(
    registry,
    'portal_gateway_verify_cache_hits_total',
    'Token verifications answered by the verified-token cache',
    [],
    (set) => set({}, cacheStats().hits),
  );
  counterFrom(
    registry,
    'portal_gateway_verify_cache_misses_total',
    'Token verifications the verified-token cache could not answer',
    [],
    (set) => set({}, cacheStats().misses),
  );
  gaugeFrom(registry, 'portal_gateway_verify_cache_entries', 'Tokens held in the verified-token cache', [], (set) =>
    set({}, cacheStats().size),
  );
  const verifySeconds = new Histogram({
    name: 'portal_gateway_verify_duration_seconds',
    help: 'Time to verify a token the verified-token cache did not hold (signature and claims)',
    buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01],
    registers: [registry],
  });

  function observeAuth(auth: ObservedAuth): void {
    const relays = () => auth.pool.status();
    gaugeFrom(
      registry,
      'portal_gateway_relay_connected',
      '1 when the connection to the relay is open',
      ['relay'],
      (set) => {
        for (const relay of relays()) set({ relay: relay.url }, relay.state === 'open' ? 1 : 0);
      },
    );
    counterFrom(
      registry,
      'portal_gateway_relay_events_total',
      'Events received from each relay: accepted, or rejected (bad signature or id, not matching the subscription)',
      ['relay', 'result'],
      (set) => {
        for (const { url, counters } of relays()) {
          set({ relay: url, result: 'accepted' }, counters.eventsAccepted);
          set({ relay: url, result: 'rejected' }, counters.eventsRejected);
        }
      },
    );
    counterFrom(
      registry,
      'portal_gateway_relay_publishes_total',
      'Events published to each relay: ok (accepted) or failed',
      ['relay', 'result'],
      (set) => {
        for (const { url, counters } of relays()) {
          set({ relay: url, result: 'ok' }, counters.publishesOk);
          set({ relay: url, result: 'failed' }, counters.publishesFailed);
        }
      },
    );
    counterFrom(
      registry,
      'portal_gateway_relay_reconnects_total',
      'Connections to each relay opened after the first one',
      ['relay'],
      (set) => {
        for (const { url, counters } of relays()) set({ relay: url }, counters.reconnects);
      },
    );
    counterFrom(registry, 'portal_gateway_logins_started_total', 'Wallet logins started on this replica', [], (set) =>
      set({}, auth.authenticator.stats().started),
    );
    counterFrom(
      registry,
      'portal_gateway_logins_total',
      'Wallet logins ended on this replica, by outcome: approved, declined, expired, cancelled (shutdown), failed (no relay took the challenge)',
      ['outcome'],
      (set) => {
        const stats = auth.authenticator.stats();
        for (const outcome of ['approved', 'declined', 'expired', 'cancelled', 'failed'] as const)
          set({ outcome }, stats[outcome]);
      },
    );
    gaugeFrom(
      registry,
      'portal_gateway_logins_pending',
      'Wallet logins waiting for the wallet on this replica',
      [],
      (set) => set({}, auth.authenticator.stats().pendingLogins),
    );
    counterFrom(
      registry,
      'portal_gateway_login_events_ignored_total',
      'Login events from relays that were dropped, by reason (unknown_token, wrong_author, relay_checks, …)',
      ['reason'],
      (set) => {
        for (const [reason, value] of Object.entries(auth.authenticator.stats().ignored) as [string, number][])
          set({ reason: snakeCase(reason) }, value);
      },
    );
    gaugeFrom(registry, 'portal_gateway_store_up', '1 while the store answers, 0 during an outage', [], (set) =>
      set({}, auth.storeAvailable() ? 1 : 0),
    );
  }

  function countRequest(route: string, method: string, status: number, seconds: number): void {
    let methods = requestCounts.get(route);
    if (methods === undefined) requestCounts.set(route, (methods = new Map()));
    let statuses = methods.get(method);
    if (statuses === undefined) methods.set(method, (statuses = new Map()));
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    durations.observe(route, status, seconds);
  }
  return {
    registry,
    countRequest,
    countAuthOutcome: (outcome) => void outcomeCounts.set(outcome, (outcomeCounts.get(outcome) ?? 0) + 1),
    countUpstreamFailure(route, code) {
      let codes = upstreamFailures.get(route);
      if (codes === undefined) upstreamFailures.set(route, (codes = new Map()));
      codes.set(code, (codes.get(code) ?? 0) + 1);
    },
    observeVerify: (seconds) => verifySeconds.observe(seconds),
    observeAuth,
  };
}
