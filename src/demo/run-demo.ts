/**
 * The whole sign-in flow on one machine, for `portal-gateway demo` (`npm run demo`): a local Nostr
 * relay, a demo API, the gateway in front of it with a browser route (`/app`, redirects to the sign-in
 * page) and an API route (`/api`), and a simulated wallet that approves every login. A scripted client
 * signs in first and prints each step; then the gateway stays up for a person to try with a browser.
 */
import { createServer } from 'node:net';
import { createPortalClient } from '../client/index.js';
import { validateConfig } from '../config/validate.js';
import { generateKeyPair } from '../keys/nostr-keys.js';
import { startEmbeddedRelay, type EmbeddedRelay } from '../nostr/embedded-relay.js';
import { createGateway, type Gateway } from '../server.js';
import { startDemoUpstream, type DemoUpstream } from './demo-upstream.js';
import { DemoWallet } from './demo-wallet.js';

export interface DemoOptions {
  host?: string;
  /** Default 8080, or a free port when 8080 is taken; 0 always picks a free port. */
  port?: number;
  /** Receives every line the demo prints. */
  out: (line: string) => void;
}

export interface Demo {
  /** The gateway's base URL. */
  url: string;
  /** The page to open in a browser. */
  appUrl: string;
  close(): Promise<void>;
}

const DEFAULT_PORT = 8080;
const ACCESS_TTL_SEC = 300;

function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

/** The gateway connects to its relays in the background; a login needs one of them open. */
async function relayConnected(gateway: Gateway, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!gateway.auth.pool.status().some((relay) => relay.state === 'open')) {
    if (Date.now() > deadline) throw new Error('the gateway could not connect to the local relay');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts everything, runs the scripted sign-in, and returns with the gateway still serving. */
export async function startDemo(options: DemoOptions): Promise<Demo> {
  const { out } = options;
  const host = options.host ?? '127.0.0.1';
  const wanted = options.port ?? DEFAULT_PORT;
  const port = wanted !== 0 && (await portIsFree(host, wanted)) ? wanted : 0;
  const stops: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    const relay: EmbeddedRelay = await startEmbeddedRelay({ host });
    stops.push(() => relay.close());
    out(`relay   local Nostr relay on ${relay.url}`);
    const upstream: DemoUpstream = await startDemoUpstream(host);
    stops.push(() => upstream.close());
    out(`api     demo API (no auth code of its own) on ${upstream.url}`);

    const gateway: Gateway = await createGateway(
      validateConfig({
        serviceName: 'Portal gateway demo',
        listen: { host, port },
        serviceKey: generateKeyPair().secretKey,
        relays: [relay.url],
        store: { kind: 'memory' },
        cookie: { secure: false }, // plain http on loopback
        tokens: { accessTtlSec: ACCESS_TTL_SEC },
        logLevel: 'warn',
        routes: [
          { prefix: '/app', upstream: upstream.url, auth: 'required', loginRedirect: true },
          { prefix: '/api', upstream: upstream.url, auth: 'required' },
          { prefix: '/public', upstream: upstream.url, auth: 'public' },
        ],
      }),
      { ephemeralAssertionKey: true },
    );
    stops.push(() => gateway.close());
    const wallet = new DemoWallet(out);
    approveEveryLogin(gateway, wallet, out);
    stops.push(narrateLogins(gateway, out));
    const url = await gateway.listen();
    out(`gateway portal-gateway on ${url}, service key ${gateway.serviceKey.npub}`);
    await relayConnected(gateway);

    await scriptedSignIn(url, out);

    const appUrl = `${url}/app/profile`;
    out('');
    out(`Now try it in a browser: open ${appUrl}`);
    out('  You are sent to the sign-in page (QR code, live status). The simulated wallet approves every');
    out('  login started there, so the page signs you in and brings you back to /app/profile.');
    out(`  API clients get JSON instead: curl -i ${url}/api/profile`);
    out('Press Ctrl-C to stop.');
    return { url, appUrl, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Hands the portal:// URL of every login the gateway starts to the simulated wallet, as if the person
 * had scanned the QR code with a phone. Only the demo does this: a real gateway never sees the wallet.
 */
function approveEveryLogin(gateway: Gateway, wallet: DemoWallet, out: (line: string) => void): void {
  gateway.app.addHook('onSend', async (request, reply, payload) => {
    if (
      request.method !== 'POST' ||
      request.url !== gateway.paths.login ||
      reply.statusCode !== 201 ||
      typeof payload !== 'string'
    )
      return payload;
    const started = JSON.parse(payload) as { login_id: string; portal_url: string };
    out(`gateway login ${started.login_id} started: portal:// URL and QR code handed to the client`);
    wallet
      .approve(started.portal_url)
      .catch((error: Error) => out(`wallet  could not approve login ${started.login_id}: ${error.message}`));
    return payload;
  });
}

/** Prints each login's progress as the gateway records it (any client: the script or a browser). */
function narrateLogins(gateway: Gateway, out: (line: string) => void): () => Promise<void> {
  const seen = new Map<string, string>();
  const unwatch = gateway.auth.logins.watch((id) => {
    void gateway.auth.logins.view(id).then(
      (view) => {
        const state = view.claimed ? 'claimed' : view.status;
        if (seen.get(id) === state) return;
        seen.set(id, state);
        if (state === 'handshake') out(`gateway login ${id}: handshake seen, AUTH_CHALLENGE sent to the wallet`);
        else if (state === 'approved')
          out(`gateway login ${id}: approved by ${view.user?.npub ?? 'the wallet'}, session created`);
        else if (state === 'claimed') out(`gateway login ${id}: tokens issued to the client that started it`);
        else if (state === 'declined' || state === 'expired') out(`gateway login ${id}: ${state}`);
      },
      () => undefined, // purged
    );
  });
  return async () => unwatch();
}

/** A client signs in through the wallet and calls the API, printing what happens at each step. */
async function scriptedSignIn(url: string, out: (line: string) => void): Promise<void> {
  out('');
  out('A client signs in with the wallet:');
  const client = createPortalClient({ baseUrl: url });
  const login = await client.startLogin();
  const result = await login.result;
  if (result.status !== 'approved') throw new Error(`the scripted login ended ${result.status}`);
  out(`client  tokens issued: an access token (${ACCESS_TTL_SEC} s) and a refresh token, kept in memory only`);
  const response = await client.fetch('/api/profile');
  const body = (await response.json()) as { caller?: { npub?: string } };
  out(
    `client  GET /api/profile with the access token: ${response.status}, the API saw the caller ${body.caller?.npub ?? '(none)'}`,
  );
  await client.logout();
  out('client  signed out (POST /auth/logout)');
}
