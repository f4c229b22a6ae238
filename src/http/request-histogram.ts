/**
 * The request latency histogram, `portal_gateway_request_duration_seconds{route,status_class}`, kept as
 * plain bucket counts in arrays and handed to prom-client as a metric of its own at scrape time: an
 * observation is a map lookup, a short scan of the bounds and three additions, where prom-client's
 * Histogram would hash the label set on every request.
 */
import type { Metric, Registry } from 'prom-client';

/** Prometheus' default buckets, and two below them for a proxy that adds well under 5 ms. */
export const REQUEST_DURATION_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

interface Series {
  /** Observations per bucket (not cumulative); the last slot is above the largest bound. */
  counts: number[];
  sum: number;
}

const NAME = 'portal_gateway_request_duration_seconds';

export class RequestDurationHistogram {
  // route -> status class index (status / 100: 1..5) -> series
  private readonly series = new Map<string, (Series | undefined)[]>();

  observe(route: string, status: number, seconds: number): void {
    let classes = this.series.get(route);
    if (classes === undefined) this.series.set(route, (classes = []));
    const statusClass = Math.min(5, Math.max(1, Math.floor(status / 100)));
    const series = (classes[statusClass] ??= {
      counts: new Array<number>(REQUEST_DURATION_BUCKETS.length + 1).fill(0),
      sum: 0,
    });
    let bucket = 0;
    while (bucket < REQUEST_DURATION_BUCKETS.length && seconds > REQUEST_DURATION_BUCKETS[bucket]!) bucket++;
    series.counts[bucket]!++;
    series.sum += seconds;
  }

  /** Registers the histogram on `registry`; its values are read from the arrays at each scrape. */
  register(registry: Registry): void {
    const metric = {
      name: NAME,
      help: 'Time from request to response, by route prefix and status class',
      type: 'histogram',
      aggregator: 'sum',
      get: async () => ({ name: NAME, help: metric.help, type: 'histogram', aggregator: 'sum', values: this.values() }),
      reset: () => this.series.clear(),
    };
    registry.registerMetric(metric as unknown as Metric);
  }

  private values() {
    const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = [];
    for (const [route, classes] of this.series) {
      classes.forEach((series, statusClass) => {
        if (series === undefined) return;
        const labels = { route, status_class: `${statusClass}xx` };
        let cumulative = 0;
        REQUEST_DURATION_BUCKETS.forEach((bound, i) => {
          cumulative += series.counts[i]!;
          values.push({ metricName: `${NAME}_bucket`, labels: { ...labels, le: bound }, value: cumulative });
        });
        cumulative += series.counts[REQUEST_DURATION_BUCKETS.length]!;
        values.push({ metricName: `${NAME}_bucket`, labels: { ...labels, le: '+Inf' }, value: cumulative });
        values.push({ metricName: `${NAME}_sum`, labels, value: series.sum });
        values.push({ metricName: `${NAME}_count`, labels, value: cumulative });
      });
    }
    return values;
  }
}
