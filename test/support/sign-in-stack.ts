/**
 * Everything a browser sign-in test needs, all real: a relay process, the echo upstream, a gateway
 * with a `loginRedirect` page route (`/app`) and a plain API route (`/api`), and headless Chromium.
 */
import type { Browser } from 'playwright-core';
import { generateKeyPair } from '../../src/index.js';
import { launchBrowser } from './browser.js';
import type { RunningGateway } from './gateway.js';
import { startStack, type Stack } from './stack.js';

export interface SignInStack extends Stack<RunningGateway> {
  browser: Browser;
}

export const SERVICE_NAME = 'Echo Service';

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
  const stack = await startStack(({ upstream, relay }) => ({
    serviceName: SERVICE_NAME,
    serviceKey: generateKeyPair().secretKey,
    relays: [relay.url],
    store: { kind: 'memory' },
    cookie: { secure: false }, // plain http on loopback
    routes: routes(upstream.url),
    ...overrides,
  }));
  const browser = await launchBrowser().catch(async (error: unknown) => {
    await stack.close();
    throw error;
  });
  return {
    ...stack,
    browser,
    async close() {
      await browser.close();
      await stack.close();
    },
  };
}
