/**
 * The client's tokens, in memory only (never localStorage: a page script compromised later must not
 * find them on disk), and the single-flight refresh: however many requests hit a 401 together, one
 * POST /auth/refresh runs and they all wait for it.
 */
import { CLIENT_ENDPOINTS } from './gateway-prefix.js';
import type { SignOutReason } from './types.js';

export interface SessionContext {
  fetch: typeof fetch;
  /** The URL of a gateway endpoint (it may first have to find the gateway's prefix). */
  endpoint(path: string): Promise<string>;
  credentials: 'omit' | 'same-origin' | 'include';
  onSignOut?: (reason: SignOutReason) => void;
}

interface RefreshAnswer {
  access_token?: unknown;
  refresh_token?: unknown;
}

export class TokenSession {
  private accessToken: string | undefined;
  /** Absent in a browser signed in by the sign-in page: its refresh token is an httpOnly cookie. */
  private refreshToken: string | undefined;
  /** Bumped by every successful refresh, so a request can tell whether its 401 is already dealt with. */
  private generationCount = 0;
  private inFlight: Promise<boolean> | undefined;
  private ended = false;

  constructor(private readonly ctx: SessionContext) {}

  get generation(): number {
    return this.generationCount;
  }

  get access(): string | undefined {
    return this.accessToken;
  }

  signedIn(accessToken: string, refreshToken: string | undefined): void {
    this.accessToken = accessToken;
    this.refreshToken = refreshToken;
    this.generationCount++;
    this.ended = false;
  }

  refresh(): Promise<boolean> {
    this.inFlight ??= this.runRefresh().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** Forget the tokens and tell the application, once per session. */
  end(reason: SignOutReason): void {
    this.accessToken = undefined;
    this.refreshToken = undefined;
    if (this.ended) return;
    this.ended = true;
    this.ctx.onSignOut?.(reason);
  }

  private async runRefresh(): Promise<boolean> {
    const held = this.refreshToken;
    let answer: RefreshAnswer | undefined;
    try {
      const response = await this.ctx.fetch(await this.ctx.endpoint(CLIENT_ENDPOINTS.refresh), {
        method: 'POST',
        credentials: this.ctx.credentials,
        headers: held
          ? { 'content-type': 'application/json', accept: 'application/json' }
          : { accept: 'application/json' },
        ...(held ? { body: JSON.stringify({ refresh_token: held }) } : {}),
      });
      if (response.ok) answer = (await response.json()) as RefreshAnswer;
      else if (response.status >= 500) return false; // the gateway is struggling; the session may still be good
    } catch {
      return false; // offline: keep the session, the next 401 tries again
    }
    if (!answer || typeof answer.access_token !== 'string') {
      this.end('refresh-failed');
      return false;
    }
    // With the cookie, the gateway re-set both cookies: keeping its refresh token here as well would
    // let the two copies drift apart, and presenting a rotated one revokes the whole session.
    this.signedIn(
      answer.access_token,
      held && typeof answer.refresh_token === 'string' ? answer.refresh_token : undefined,
    );
    return true;
  }
}
