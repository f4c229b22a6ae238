/**
 * Following a login until it ends: server-sent events first (one request, instant updates), polling
 * the status when the stream cannot be opened or breaks. The login secret goes in a header, so the
 * tokens come back in the approved status itself, for this client only.
 */
import { readServerSentEvents } from './sse.js';
import type { LoginStatusView } from './types.js';

/** What the gateway answers for an approved login to the holder of its secret, the first time. */
export interface IssuedTokens {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
}

export type FinalStatus = LoginStatusView & Partial<IssuedTokens>;

export interface LoginHandle {
  login_id: string;
  status_url: string;
  events_url: string;
  login_secret: string;
}

export interface FollowContext {
  fetch: typeof fetch;
  url(path: string): string;
  credentials: 'omit' | 'same-origin' | 'include';
  pollIntervalMs: number;
  signal: AbortSignal;
  poll: boolean;
  onStatus?: (view: LoginStatusView) => void;
}

const TERMINAL = new Set(['approved', 'declined', 'expired']);

function asStatus(value: unknown): FinalStatus | undefined {
  const view = value as FinalStatus | null;
  return view && typeof view === 'object' && typeof view.status === 'string' ? view : undefined;
}

/** The status as reported to callers: never with the tokens in it. */
function publicView(view: FinalStatus): LoginStatusView {
  const { access_token: _a, refresh_token: _r, token_type: _t, expires_in: _e, ...rest } = view;
  return rest;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });
}

export async function followLogin(ctx: FollowContext, login: LoginHandle): Promise<FinalStatus> {
  const headers = { 'x-login-secret': login.login_secret, accept: 'application/json' };
  let reported = '';
  const report = (view: FinalStatus) => {
    const key = `${view.status}/${view.claimed === true}`;
    if (key !== reported) ctx.onStatus?.(publicView(view));
    reported = key;
  };

  if (!ctx.poll) {
    try {
      const response = await ctx.fetch(ctx.url(login.events_url), {
        headers: { ...headers, accept: 'text/event-stream' },
        credentials: ctx.credentials,
        signal: ctx.signal,
      });
      if (response.ok && response.body) {
        for await (const event of readServerSentEvents(response.body)) {
          const view = event.event === 'status' ? asStatus(safeJson(event.data)) : undefined;
          if (!view) continue;
          report(view);
          if (TERMINAL.has(view.status)) return view;
        }
      }
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      // The stream broke: polling below finds out where the login stands.
    }
  }

  for (;;) {
    try {
      const response = await ctx.fetch(ctx.url(login.status_url), {
        headers,
        credentials: ctx.credentials,
        signal: ctx.signal,
      });
      // An unknown login has expired and been purged.
      if (response.status === 404) return { login_id: login.login_id, status: 'expired', expires_at: 0 };
      const view = response.ok ? asStatus(await response.json()) : undefined;
      if (view) {
        report(view);
        if (TERMINAL.has(view.status)) return view;
      }
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      // A network hiccup: try again on the next tick.
    }
    await sleep(ctx.pollIntervalMs, ctx.signal);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
