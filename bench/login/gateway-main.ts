/**
 * The gateway of the login benchmark in a process of its own, started with --expose-gc, so that its
 * memory is measured alone (not mixed with the wallet and the client) and it gets its own core.
 * Talks to its parent over IPC: sends `{ type: 'ready', url }` once listening, answers `report` with
 * its memory after a full collection and its CPU time, and exits when the parent goes away.
 *
 * Environment: BENCH_RELAYS (comma-separated relay URLs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../../src/config/validate.js';
import { generateKeyPair } from '../../src/keys/nostr-keys.js';
import { createGateway } from '../../src/server.js';

export interface GatewayReport {
  type: 'report';
  heapUsed: number;
  rss: number;
  external: number;
  /** User + system CPU time of the gateway process so far. */
  cpuMicros: number;
  pendingLogins: number;
}

const collect = globalThis.gc;
if (!collect || !process.send) throw new Error('start with node --expose-gc and an IPC channel');

const dataDir = mkdtempSync(join(tmpdir(), 'portal-gateway-bench-'));
const config = validateConfig({
  listen: { host: '127.0.0.1', port: 0 },
  serviceKey: generateKeyPair().secretKey,
  dataDir,
  logLevel: 'silent',
  relays: (process.env.BENCH_RELAYS ?? '').split(',').filter(Boolean),
  // The benchmark starts thousands of logins from one address.
  rateLimit: { max: 100_000_000, windowSec: 60 },
  routes: [],
});
const gateway = await createGateway(config);
const url = await gateway.listen();

process.on('message', (message: { type?: string }) => {
  if (message.type !== 'report') return;
  // Twice: the first pass can leave finalizer-held objects for the second.
  collect();
  collect();
  const usage = process.memoryUsage();
  const cpu = process.cpuUsage();
  const report: GatewayReport = {
    type: 'report',
    heapUsed: usage.heapUsed,
    rss: usage.rss,
    external: usage.external,
    cpuMicros: cpu.user + cpu.system,
    pendingLogins: gateway.auth.authenticator.stats().pendingLogins,
  };
  process.send!(report);
});

process.on('disconnect', () => {
  // A stream still open would hold close() up: give it a moment, then go regardless.
  setTimeout(() => exit(), 5000).unref();
  void gateway.close().finally(exit);
});

function exit(): void {
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
}

process.send({ type: 'ready', url });
