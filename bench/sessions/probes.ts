/** What the sessions benchmark asks of its gateways outside the measured load. */
import { cpuSeconds } from '../proxy/cpu.js';
import { PATH } from '../proxy/load.js';
import { SessionQueue } from './refresh-load.js';

/** Fails the run early when a gateway does not behave as its row assumes (a 401 flood measures nothing). */
export async function expectStatus(
  url: string,
  bearer: string | undefined,
  status: number,
  error?: string,
): Promise<void> {
  const response = await fetch(url + PATH, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
  const body = await response.text();
  if (response.status !== status || (error !== undefined && !body.includes(error))) {
    throw new Error(`${url}${PATH}: expected ${status} ${error ?? ''}, got ${response.status}`);
  }
}

/** Opens `count` sessions on the gateway (bench-only route) and queues their refresh tokens. */
export async function openSessions(url: string, count: number): Promise<SessionQueue> {
  const response = await fetch(`${url}/bench/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ count }),
  });
  if (response.status !== 200) throw new Error(`${url}/bench/sessions answered ${response.status}`);
  return new SessionQueue(((await response.json()) as { refresh_tokens: string[] }).refresh_tokens);
}

/** Every gateway's URL, in BENCH_GATEWAYS order, from the first gateway (bench-only route). */
export async function gatewayUrls(firstUrl: string): Promise<string[]> {
  return ((await (await fetch(`${firstUrl}/bench/gateways`)).json()) as { urls: string[] }).urls;
}

/** CPU seconds the process has used so far; the benchmark needs /proc to charge CPU time to a gateway. */
export function cpuOf(pid: number): number {
  const seconds = cpuSeconds(pid);
  if (seconds === undefined) throw new Error(`cannot read the CPU time of process ${pid} (/proc is needed)`);
  return seconds;
}
