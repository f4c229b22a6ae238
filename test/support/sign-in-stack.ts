/**
 * Everything a browser sign-in test needs, all real: a relay process, the echo upstream, a gateway
 * with a `loginRedirect` page route (`/app`) and a plain API route (`/api`), and headless Chromium.
 */
import type { Browser } from 'playwright-core';
import { generateKeyPair } from '../../src/index.js';
import { launchBrowser } from './browser.js';
import { startEchoUpstream, type EchoUpstream } from './echo-upstream.js';
import { startGateway, type RunningGateway } from './gateway.js';
import { startRelayProcess, type RelayProcess } from './relay-process.js';

export interface SignInStack {
  relay: RelayProcess;
  upstream: EchoUpstream;
  gw: RunningGateway;
  browser: Browser;
  close(): Promise<void>;
}

export const SERVICE_NAME = 'Echo Service';

/** Resolves once the gateway has an open relay connection (logins need one). */
export async function waitForRelay(gw: RunningGateway): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!gw.gateway.auth.pool.status().some((relay) => relay.state === 'open')) {
    if (Date.now() > deadline) throw new Error('the gateway never connected to the relay');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The default routes: a sign-in protected page route and an API route, both to the echo upstream. */
function defaultRoutes(echoUrl: string): Record<string, unknown>[] {
  return [
    { prefix: '/app', upstream: echoUrl, auth: 'required', loginRedirect: true },
    { prefix: '/api', upstream: echoUrl, auth: 'required' },
  ];
}

export async function startSignInStack(
  overrides: Record<string, unknown> = {},
  routes: (echoUrl: string) => Record<string, unknown>[] = defaultRoutes,
): Promise<SignInStack> {
  const relay = await startRelayProcess();
  const upstream = await startEchoUpstream();
  const gw = await startGateway({
    serviceName: SERVICE_NAME,
    serviceKey: generateKeyPair().secretKey,
    relays: [relay.url],
    store: { kind: 'memory' },
    cookie: { secure: false }, // plain http on loopback
    routes: routes(upstream.url),
    ...overrides,
  });
  await waitForRelay(gw);
  const browser = await launchBrowser();
  return {
    relay,
    upstream,
    gw,
    browser,
    async close() {
      await browser.close();
      await gw.close();
      await upstream.close();
      await relay.stop();
    },
  };
}
