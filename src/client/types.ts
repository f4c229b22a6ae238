/** Public types of `portal-gateway/client`. No DOM or Node types beyond what both environments share. */

/** The user a login signed in, as the gateway reports it. */
export interface PortalUser {
  /** The user's key, x-only hex. */
  target_key: string;
  npub: string;
}

/** One status report of a login (the body of GET /auth/login/:id and of its server-sent events). */
export interface LoginStatusView {
  login_id: string;
  status: 'pending' | 'handshake' | 'approved' | 'declined' | 'expired';
  expires_at: number;
  user?: PortalUser;
  reason?: string;
  claimed?: boolean;
}

export type LoginResult =
  | { status: 'approved'; user?: PortalUser }
  | { status: 'declined'; reason?: string; user?: PortalUser }
  | { status: 'expired' };

/** A login waiting for the wallet: show `qrSvg` or link to `portalUrl`, then await `result`. */
export interface PendingLogin {
  loginId: string;
  /** The `portal://` URL a wallet app opens. */
  portalUrl: string;
  /** The same URL as an SVG QR code. */
  qrSvg: string;
  /** Unix seconds after which the login expires. */
  expiresAt: number;
  /** Settles once the wallet approves or declines, or the login expires; rejects only when cancelled. */
  result: Promise<LoginResult>;
  /** Stop following the login. */
  cancel(): void;
}

export interface StartLoginOptions {
  /** Every status change (pending, handshake, approved, …), e.g. to update a page. */
  onStatus?: (view: LoginStatusView) => void;
  /** Follow by polling instead of server-sent events. */
  poll?: boolean;
}

export type SignOutReason = 'refresh-failed' | 'logout';

export interface PortalClientOptions {
  /** The gateway's URL, e.g. `https://api.example.com`; `''` in a browser page served by the gateway itself. */
  baseUrl: string;
  /**
   * The gateway's `gatewayPrefix` (e.g. `'/.portal'`), under which its own endpoints sit. Default: read
   * once from `<baseUrl>/.well-known/portal-gateway` (its `gateway_prefix`); `''` where there is none.
   */
  gatewayPrefix?: string;
  /** A fetch implementation; default the global `fetch`. */
  fetch?: typeof fetch;
  /**
   * Whether browsers send the gateway's cookies: `same-origin` (default) or `include` for a page on
   * another origin (the gateway must then allow it with CORS credentials).
   */
  credentials?: 'omit' | 'same-origin' | 'include';
  /** Called once when the session ends: refresh failed (signed out elsewhere, expired) or `logout()`. */
  onSignOut?: (reason: SignOutReason) => void;
  /** Status polling interval when server-sent events are not used; default 1000 ms. */
  pollIntervalMs?: number;
}

export interface PortalClient {
  /** Start a wallet login and follow it; tokens are kept in memory once it is approved. */
  startLogin(options?: StartLoginOptions): Promise<PendingLogin>;
  /**
   * `fetch` to a path on the gateway with `Authorization: Bearer <access token>` (when one is held).
   * A 401 triggers one refresh shared by every request that hit it, then one retry each.
   */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Refresh now (single flight): with the refresh token held in memory, else the browser's refresh cookie. */
  refresh(): Promise<boolean>;
  /** End the session on the gateway and forget the tokens. */
  logout(): Promise<void>;
  /** True while an access token is held in memory. */
  readonly hasAccessToken: boolean;
}
