/**
 * Memory per pending login: logins started over HTTP (POST /auth/login, exactly as a client starts
 * one, QR code and all) that no wallet ever answers, so they all stay pending. The gateway's memory
 * is read after a full GC before and after; a first batch warms the code paths and lazily built
 * structures up so that they do not count as per-login cost.
 */
import type { GatewayProcess } from './gateway-process.js';

export interface PendingResult {
  logins: number;
  heapBytes: number;
  rssBytes: number;
  pendingLogins: number;
  seconds: number;
}

const CONCURRENCY = 16;

async function startLogins(gatewayUrl: string, count: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const response = await fetch(`${gatewayUrl}/auth/login`, { method: 'POST' });
      if (response.status !== 201)
        throw new Error(`POST /auth/login answered ${response.status}: ${await response.text()}`);
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

export async function measurePendingLogins(
  gateway: GatewayProcess,
  logins: number,
  warmUp: number,
): Promise<PendingResult> {
  await startLogins(gateway.url, warmUp);
  const before = await gateway.report();
  const started = performance.now();
  await startLogins(gateway.url, logins);
  const seconds = (performance.now() - started) / 1000;
  const after = await gateway.report();
  return {
    logins,
    heapBytes: after.heapUsed - before.heapUsed,
    rssBytes: after.rss - before.rss,
    pendingLogins: after.pendingLogins - before.pendingLogins,
    seconds,
  };
}
