/**
 * Refresh load: POST /auth/refresh as many clients would send it. Each session is one client's chain:
 * its next refresh goes out only after the answer to the previous one (it needs the rotated token), so
 * a session never has two requests in flight. Sessions wait in a queue; an autocannon connection takes
 * the next ready one, and the answer puts it back with its new token. Sessions whose request is cut off
 * when a run ends are dropped (their token was probably rotated), so a pool must outnumber the
 * connections by a margin for every run.
 */
import autocannon from 'autocannon';
import type { LoadResult } from '../proxy/load.js';

export class SessionQueue {
  private readonly ready: string[];

  constructor(refreshTokens: readonly string[]) {
    this.ready = [...refreshTokens];
  }

  get size(): number {
    return this.ready.length;
  }

  take(): string {
    const token = this.ready.shift();
    if (token === undefined) throw new Error('refresh load: no session ready; open more sessions than connections');
    return token;
  }

  giveBack(token: string): void {
    this.ready.push(token);
  }
}

interface InFlight {
  presented?: string;
}

export async function runRefreshLoad(
  url: string,
  sessions: SessionQueue,
  options: { connections: number; durationSec: number },
): Promise<LoadResult> {
  if (sessions.size < options.connections * 2)
    throw new Error(`refresh load: ${sessions.size} sessions left for ${options.connections} connections`);
  let broken = 0;
  const result = await autocannon({
    url,
    connections: options.connections,
    pipelining: 1,
    duration: options.durationSec,
    requests: [
      {
        method: 'POST',
        path: '/auth/refresh',
        // The context lives from this request's setup to its answer (one request per connection at a time).
        setupRequest: (request, context: InFlight) => {
          context.presented = sessions.take();
          return {
            ...request,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ refresh_token: context.presented }),
          };
        },
        onResponse: (status, body) => {
          if (status === 200) sessions.giveBack((JSON.parse(body) as { refresh_token: string }).refresh_token);
          else broken += 1; // the chain is over; the failure is counted below
        },
      },
    ],
  });
  return {
    reqPerSec: result['2xx'] / result.duration,
    p99Ms: result.latency.p99,
    ok: result['2xx'],
    seconds: result.duration,
    failures: Math.max(broken, result.non2xx) + result.errors + result.timeouts,
  };
}
