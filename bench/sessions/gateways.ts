/**
 * The gateways under test in the sessions benchmark, all in one process of their own: one createGateway
 * per entry of BENCH_GATEWAYS (`check:store` pairs such as `off:sqlite,on:redis`), each with one
 * `required` route to the benchmark upstream, on its own store, with the per-request revocation check
 * on or off (off: the list's isRevoked replaced by one that looks nothing up). Sharing one process means every row runs the same compiled code on the same heap, so rows
 * differ by their configuration and not by how two processes happened to warm up (that alone moved
 * rows by several percent when each gateway had a process of its own); the parent loads one gateway at
 * a time.
 *
 * Before listening each gateway fills its revocation list (so the check looks up maps of a realistic
 * size, and the benchmark user has a logout-everywhere watermark in the past). Two routes exist only
 * here: POST /bench/sessions on every gateway opens sessions and answers their refresh tokens (a
 * benchmark cannot sign in thousands of times with a wallet), and GET /bench/gateways on the first one
 * lists every gateway's URL in BENCH_GATEWAYS order (the port line names the first one only).
 *
 * Environment: BENCH_SERVICE_KEY, UPSTREAM_URL, BENCH_GATEWAYS, BENCH_REDIS_URL (for `redis` entries),
 * BENCH_USER_KEY (the user of the parent's token).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../../src/config/validate.js';
import { generateKeyPair } from '../../src/index.js';
import { createGateway, type Gateway } from '../../src/server.js';
import { announce, upstreamUrl } from '../proxy/announce.js';
import { fillRevocations } from './revocation-fill.js';

/** Most sessions one POST /bench/sessions may open. */
const MAX_SESSIONS = 10_000;

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`sessions benchmark gateways: ${name} is not set`);
  return value;
}

function storeConfig(kind: string | undefined): Record<string, unknown> {
  if (kind === 'memory' || kind === 'sqlite') return { kind };
  if (kind === 'redis') return { kind, url: required('BENCH_REDIS_URL') };
  throw new Error(`sessions benchmark gateways: unknown store ${kind}`);
}

async function startOne(entry: string, serviceKey: string, userKey: string): Promise<Gateway> {
  const [check, store] = entry.split(':');
  if (check !== 'on' && check !== 'off')
    throw new Error(`sessions benchmark gateways: ${entry}: the check must be on or off`);
  const config = validateConfig({
    listen: { host: '127.0.0.1', port: 0 },
    serviceKey,
    dataDir: mkdtempSync(join(tmpdir(), 'portal-gateway-bench-sessions-')),
    logLevel: 'warn',
    relays: [],
    store: storeConfig(store),
    // Thousands of refreshes a second come from one address: the limiter runs, but never refuses.
    rateLimit: { max: 1_000_000_000, windowSec: 60 },
    routes: [{ prefix: '/api', upstream: upstreamUrl(), auth: 'required' }],
  });
  const gateway = await createGateway(config, { logStream: { write: () => undefined } });
  // The check-off baseline: this gateway's revocation list answers "not revoked" without looking (the
  // request authenticator holds this very object), so the rows differ by the check's lookups alone.
  if (check === 'off') gateway.auth.revocations.isRevoked = () => false;
  await fillRevocations(gateway.auth.revocations, gateway.auth.stores.revocations, userKey);
  gateway.app.post('/bench/sessions', async (request) => {
    const count = Number((request.body as { count?: unknown } | undefined)?.count);
    if (!Number.isInteger(count) || count < 1 || count > MAX_SESSIONS)
      throw new Error(`count must be 1..${MAX_SESSIONS}`);
    const refreshTokens: string[] = [];
    for (let i = 0; i < count; i++)
      refreshTokens.push((await gateway.auth.tokens.startSession(generateKeyPair().publicKey, [])).refresh_token);
    return { refresh_tokens: refreshTokens };
  });
  return gateway;
}

const serviceKey = required('BENCH_SERVICE_KEY');
delete process.env.BENCH_SERVICE_KEY;
const userKey = required('BENCH_USER_KEY');
const gateways: Gateway[] = [];
for (const entry of required('BENCH_GATEWAYS').split(',')) gateways.push(await startOne(entry, serviceKey, userKey));
const urls: string[] = [];
gateways[0]!.app.get('/bench/gateways', async () => ({ urls }));
for (const gateway of gateways) urls.push(await gateway.listen());
announce(urls[0]!);
