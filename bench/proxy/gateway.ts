/**
 * Rows 3, 4 and 6 of the proxy benchmark: the real gateway (createGateway) with one `required` route in
 * front of the benchmark upstream, and every other setting at its default (verified-token cache included).
 * The service key comes from the parent in BENCH_SERVICE_KEY so that the parent can issue the tokens.
 * It runs the build in dist/ (what `npm start` runs), not the sources through tsx's transform.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { announce, upstreamUrl } from './announce.js';

const built = new URL('../../dist/index.js', import.meta.url).href;
const { createGateway, validateConfig } = (await import(built)) as typeof import('../../src/index.js');

const serviceKey = process.env.BENCH_SERVICE_KEY;
if (!serviceKey) throw new Error('benchmark gateway: BENCH_SERVICE_KEY is not set');
delete process.env.BENCH_SERVICE_KEY;

const config = validateConfig({
  // A variant's changes (`--variants`) first: the benchmark's own settings below stay as they are.
  ...(JSON.parse(process.env.BENCH_GATEWAY_CONFIG ?? '{}') as Record<string, unknown>),
  listen: { host: '127.0.0.1', port: 0 },
  serviceKey,
  dataDir: mkdtempSync(join(tmpdir(), 'portal-gateway-bench-')),
  // Default 'warn': no per-request access line, like the other proxies. 'info' measures the access log.
  logLevel: process.env.BENCH_GATEWAY_LOG ?? 'warn',
  routes: [{ prefix: '/api', upstream: upstreamUrl(), auth: 'required' }],
});
// Log lines are formatted as in production but not written anywhere (stdout carries the port line).
const gateway = await createGateway(config, { logStream: { write: () => undefined } });
announce(await gateway.listen());
