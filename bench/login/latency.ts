/**
 * Login latency: from the wallet's handshake publish to the tokens in the client's hands. For each
 * login the client starts it (POST /auth/login) and follows it over server-sent events with the
 * login secret, as `portal-gateway login` and the browser client do; once its stream is open the
 * wallet sends the handshake, and the clock stops when the approved status with the tokens arrives.
 * Logins run one after another: this measures latency, not throughput.
 */
import { followLogin, type FinalStatus, type LoginHandle } from '../../src/client/login-follow.js';
import type { BenchWallet } from './wallet.js';

export async function timeOneLogin(gatewayUrl: string, wallet: BenchWallet): Promise<number> {
  const response = await fetch(`${gatewayUrl}/auth/login`, { method: 'POST' });
  if (response.status !== 201)
    throw new Error(`POST /auth/login answered ${response.status}: ${await response.text()}`);
  const started = (await response.json()) as LoginHandle & { portal_url: string };
  let streamOpen!: () => void;
  const opened = new Promise<void>((resolve) => (streamOpen = resolve));
  const abort = new AbortController();
  const tokensAt = followLogin(
    {
      fetch: globalThis.fetch.bind(globalThis),
      url: (path) => gatewayUrl + path,
      credentials: 'omit',
      // Only if the stream breaks: then poll tightly, so the fallback does not distort the numbers.
      pollIntervalMs: 5,
      signal: abort.signal,
      poll: false,
      onStatus: (view) => view.status === 'pending' && streamOpen(),
    },
    started,
  ).then((final: FinalStatus) => ({ final, at: performance.now() }));
  try {
    await opened;
    const sentAt = await wallet.approve(started.portal_url);
    const { final, at } = await tokensAt;
    if (final.status !== 'approved' || typeof final.access_token !== 'string')
      throw new Error(`login ended ${final.status} without tokens`);
    return at - sentAt;
  } finally {
    abort.abort();
  }
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
