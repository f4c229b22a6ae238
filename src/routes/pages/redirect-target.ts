/**
 * Where the sign-in page may send the browser afterwards (`?next=`): a path on this gateway, or a page
 * on an origin the operator allow-listed. Anything else is refused, so a link to the sign-in page
 * cannot be used to bounce a freshly signed-in user to an attacker's site (open redirect).
 *
 * The page checks the target again in the browser with REDIRECT_CHECK_JS; both follow the same rules
 * and a test runs them on the same table of attacks.
 */

export const MAX_NEXT_LENGTH = 2048;

export type RedirectCheck = { ok: true; target: string } | { ok: false; reason: string };

/**
 * Control characters and spaces are refused outright: browsers silently drop tabs and newlines from
 * URLs, so `/\t/evil.com` would become `//evil.com`. Backslashes are refused anywhere because browsers
 * read `\` as `/` in http(s) URLs (`/\evil.com` is `//evil.com`).
 */
const UNSAFE_CHARACTERS = /[\u0000-\u0020\u007f-\u009f\\]/;

/** Placeholder origin for resolving local paths; `.invalid` can never be a real host (RFC 2606). */
const LOCAL_BASE = 'http://gateway.invalid';

export function checkRedirectTarget(next: string, allowedOrigins: readonly string[]): RedirectCheck {
  if (next.length === 0 || next.length > MAX_NEXT_LENGTH) return refuse('next must be 1 to 2048 characters');
  if (UNSAFE_CHARACTERS.test(next)) return refuse('next must not contain spaces, control characters or backslashes');
  if (next.startsWith('/')) {
    // `//host` is a network-path reference: another site, not a path.
    if (next.startsWith('//')) return refuse('next must be a path starting with a single /');
    if (new URL(next, LOCAL_BASE).origin !== LOCAL_BASE) return refuse('next must stay on this site');
    return { ok: true, target: next };
  }
  let url: URL;
  try {
    url = new URL(next);
  } catch {
    return refuse('next must be a local path or an allowed https:// or http:// address');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return refuse('next must be a local path or an allowed https:// or http:// address');
  if (url.username !== '' || url.password !== '') return refuse('next must not contain credentials');
  if (!allowedOrigins.includes(url.origin)) return refuse('next points to a site that is not allowed');
  return { ok: true, target: url.href };
}

function refuse(reason: string): RedirectCheck {
  return { ok: false, reason };
}

/**
 * The same rules for the page's script: `safeNext(next, allowedOrigins, here)` returns the target or
 * null, `here` being `location.origin`. Plain ES2017 so that any current browser runs it.
 */
export const REDIRECT_CHECK_JS = `
function safeNext(next, allowedOrigins, here) {
  if (typeof next !== 'string' || next.length === 0 || next.length > ${MAX_NEXT_LENGTH}) return null;
  if (/[\\u0000-\\u0020\\u007f-\\u009f\\\\]/.test(next)) return null;
  var url;
  if (next.charAt(0) === '/') {
    if (next.charAt(1) === '/') return null;
    try { url = new URL(next, here); } catch (e) { return null; }
    return url.origin === here ? next : null;
  }
  try { url = new URL(next); } catch (e) { return null; }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username !== '' || url.password !== '') return null;
  return allowedOrigins.indexOf(url.origin) >= 0 ? url.href : null;
}
`;
