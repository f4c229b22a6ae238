/**
 * Unloaded latency: one keep-alive connection, one request after another, timed from the first byte
 * written to the last byte read. What the gateway adds to a single caller's wait, without queueing.
 */
import { Agent, get } from 'node:http';
import type { RequestTarget } from './rows.js';

export class SequentialClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });

  constructor(
    private readonly url: string,
    private readonly nextToken: () => string,
    private readonly target: RequestTarget,
  ) {}

  /** `count` requests in a row; the latency of each, in microseconds. */
  async run(count: number): Promise<number[]> {
    const latencies: number[] = [];
    for (let i = 0; i < count; i++) latencies.push(await this.once());
    return latencies;
  }

  close(): void {
    this.agent.destroy();
  }

  private once(): Promise<number> {
    return new Promise((resolve, reject) => {
      const start = process.hrtime.bigint();
      get(
        this.url + this.target.path,
        { agent: this.agent, headers: { ...this.target.headers, authorization: `Bearer ${this.nextToken()}` } },
        (response) => {
          if (response.statusCode !== 200) reject(new Error(`${this.url}: answered ${response.statusCode}`));
          response.on('data', () => undefined);
          response.on('end', () => resolve(Number(process.hrtime.bigint() - start) / 1000));
        },
      ).on('error', reject);
    });
  }
}

/** The value below which `fraction` of the samples lie. */
export function percentile(samples: readonly number[], fraction: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
}
