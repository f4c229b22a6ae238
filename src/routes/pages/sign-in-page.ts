/**
 * The HTML of the sign-in page (GET /auth/login): one self-contained document with its stylesheet and
 * script inlined, no external assets, and a Content-Security-Policy that allows exactly those two by
 * hash, so an injected script or style could not run even if one slipped in. The endpoints the script
 * calls (they follow gatewayPrefix) travel in the page's settings, so the script, and its hash, stay fixed.
 */
import { createHash } from 'node:crypto';
import type { GatewayPaths } from '../../gateway-endpoints.js';
import { SIGN_IN_JS } from './sign-in-script.js';
import { SIGN_IN_CSS } from './sign-in-style.js';

export interface SignInPageOptions {
  serviceName: string;
  /** The `next` target the server accepted, or null when there is none. */
  next: string | null;
  allowedRedirectOrigins: readonly string[];
  /** The browser sent a refresh cookie: the page tries a silent refresh before a new login. */
  hasRefreshCookie: boolean;
  /** The `next` target was refused: the page only explains why. */
  refused?: boolean;
  paths: GatewayPaths;
}

const hash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export const SIGN_IN_CSP = [
  "default-src 'none'",
  `script-src ${hash(SIGN_IN_JS)}`,
  `style-src ${hash(SIGN_IN_CSS)}`,
  "connect-src 'self'",
  "img-src 'self' data:", // data: for the empty icon below
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderSignInPage(options: SignInPageOptions): string {
  const name = escapeHtml(options.serviceName);
  const settings = escapeHtml(
    JSON.stringify({
      next: options.next,
      allowedOrigins: options.allowedRedirectOrigins,
      hasRefreshCookie: options.hasRefreshCookie,
      paths: {
        login: options.paths.login,
        refresh: options.paths.refresh,
        me: options.paths.me,
        logout: options.paths.logout,
      },
    }),
  );
  const status = options.refused
    ? 'This sign-in link is not valid: it would send you to an address this service does not trust.'
    : 'Starting sign-in…';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · ${name}</title>
<link rel="icon" href="data:,">
<style>${SIGN_IN_CSS}</style>
</head>
<body>
<main id="signin" data-state="${options.refused ? 'refused' : 'loading'}" data-settings="${settings}" aria-labelledby="title">
<h1 id="title">${name}</h1>
<p class="lead">Sign in with your Nostr wallet</p>
<p id="status" role="status" aria-live="polite">${status}</p>
<div id="login" hidden>
<figure>
<div id="qr" role="img" aria-label="QR code to scan with your wallet app"></div>
<figcaption>Scan with your wallet app</figcaption>
</figure>
<a id="open" class="button" href="#">Open in wallet</a>
<p id="countdown" aria-live="off"></p>
</div>
<p id="reason" hidden></p>
<div id="done" hidden>
<p id="who"></p>
<button id="signout" type="button" class="secondary">Sign out</button>
</div>
${options.refused ? `<p><a id="restart" class="button" href="${escapeHtml(options.paths.login)}">Sign in without the link</a></p>` : '<button id="retry" type="button" hidden>Start a new sign-in</button>'}
<noscript><p>This page needs JavaScript to follow the sign-in.</p></noscript>
</main>
${options.refused ? '' : `<script>${SIGN_IN_JS}</script>`}
</body>
</html>
`;
}
