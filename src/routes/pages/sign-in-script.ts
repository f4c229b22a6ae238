/**
 * The sign-in page's script, inlined and allowed by hash in the page's Content-Security-Policy.
 * It starts a login (POST /auth/login; the login secret comes back as an httpOnly cookie), shows the QR
 * code and the "Open in wallet" link, follows the status over server-sent events (polling if the
 * stream cannot be opened), counts down to expiry, and once approved fetches the status once more,
 * which sets the session cookies, then goes back to `next`. A browser that still holds a refresh
 * cookie is signed in again through POST /auth/refresh without a new login.
 *
 * The endpoints' paths (below gatewayPrefix) come from the page's settings.
 * Text from the server (the wallet's decline reason) only ever goes into `textContent`.
 */
import { REDIRECT_CHECK_JS } from './redirect-target.js';

export const SIGN_IN_JS = `(function () {
'use strict';
${REDIRECT_CHECK_JS}
var main = document.getElementById('signin');
if (!main || main.getAttribute('data-state') === 'refused') return;
var settings = JSON.parse(main.getAttribute('data-settings'));
var paths = settings.paths;
var $ = function (id) { return document.getElementById(id); };
var statusText = $('status'), loginBox = $('login'), qr = $('qr'), openLink = $('open'), countdown = $('countdown');
var reasonText = $('reason'), doneBox = $('done'), who = $('who'), retry = $('retry'), signOut = $('signout');
var POLL_MS = 2000, GRACE_MS = 3000;
var current = null, stream = null, pollTimer = 0, tickTimer = 0, skewMs = 0;

var target = null;
if (settings.next !== null) {
  target = safeNext(settings.next, settings.allowedOrigins, location.origin);
  if (target === null) return refused();
}

function setState(state, message) {
  main.setAttribute('data-state', state);
  statusText.textContent = message;
}

function refused() {
  setState('refused', 'This sign-in link is not valid: it would send you to an address this service does not trust.');
}

function stopFollowing() {
  if (stream) { stream.close(); stream = null; }
  clearTimeout(pollTimer);
  clearInterval(tickTimer);
  countdown.textContent = '';
}

function offerRetry(message, reason) {
  stopFollowing();
  loginBox.hidden = true;
  reasonText.hidden = !reason;
  reasonText.textContent = reason ? 'Reason given by the wallet: ' + reason : '';
  retry.hidden = false;
  retry.focus();
  return message;
}

function fail(message) {
  setState('error', offerRetry(message));
}

function showQr(svgText) {
  var doc = new DOMParser().parseFromString(svgText, 'image/svg+xml');
  var svg = doc.documentElement;
  if (!svg || svg.nodeName.toLowerCase() !== 'svg') throw new Error('not an SVG');
  svg.removeAttribute('width');
  svg.removeAttribute('height');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  qr.replaceChildren(document.importNode(svg, true));
}

function tick() {
  if (!current) return;
  var leftMs = current.expires_at * 1000 - (Date.now() + skewMs);
  if (leftMs <= -GRACE_MS) return handle({ login_id: current.login_id, status: 'expired' });
  var left = Math.max(0, Math.ceil(leftMs / 1000));
  var minutes = Math.floor(left / 60), seconds = left % 60;
  countdown.textContent = 'Expires in ' + minutes + ':' + (seconds < 10 ? '0' : '') + seconds;
}

async function jsonOf(response) {
  try { return await response.json(); } catch (e) { return {}; }
}

async function startLogin() {
  stopFollowing();
  current = null;
  retry.hidden = true;
  reasonText.hidden = true;
  doneBox.hidden = true;
  loginBox.hidden = true;
  setState('loading', 'Starting sign-in…');
  var response;
  try {
    response = await fetch(paths.login, { method: 'POST', credentials: 'same-origin', headers: { accept: 'application/json' } });
  } catch (e) {
    return fail('The sign-in service cannot be reached. Check your connection and try again.');
  }
  var body = await jsonOf(response);
  if (response.status === 503 && body.error === 'ERR_RELAYS_UNAVAILABLE') {
    return fail('Wallet sign-in is unavailable: the Nostr relays cannot be reached right now. Please try again in a minute.');
  }
  if (!response.ok || typeof body.portal_url !== 'string') {
    return fail('Sign-in could not start' + (response.status === 429 ? ': too many attempts. Wait a moment and try again.' : '. Please try again.'));
  }
  var serverDate = Date.parse(response.headers.get('date') || '');
  skewMs = isNaN(serverDate) ? 0 : serverDate - Date.now();
  current = body;
  try { showQr(body.qr_svg); } catch (e) { return fail('The sign-in code could not be shown. Please try again.'); }
  openLink.href = body.portal_url;
  loginBox.hidden = false;
  setState('pending', 'Scan the code with your wallet app, or open it in a wallet on this device.');
  tick();
  tickTimer = setInterval(tick, 1000);
  follow(body);
}

function follow(login) {
  if (typeof EventSource !== 'function') return poll(login);
  stream = new EventSource(login.events_url);
  stream.addEventListener('status', function (event) {
    try { handle(JSON.parse(event.data)); } catch (e) { /* a malformed event is skipped */ }
  });
  stream.onerror = function () {
    // The browser reconnects by itself unless the stream is gone for good (e.g. HTTP error).
    if (stream && stream.readyState === EventSource.CLOSED && current === login) { stream = null; poll(login); }
  };
}

function poll(login) {
  pollTimer = setTimeout(async function () {
    if (current !== login) return;
    try {
      var response = await fetch(login.status_url, { credentials: 'same-origin', headers: { accept: 'application/json' } });
      if (response.status === 404) return handle({ login_id: login.login_id, status: 'expired' });
      if (response.ok) handle(await jsonOf(response));
    } catch (e) { /* try again on the next tick */ }
    if (current === login && ['pending', 'handshake'].indexOf(main.getAttribute('data-state')) >= 0) poll(login);
  }, POLL_MS);
}

function handle(view) {
  if (!current || view.login_id !== current.login_id) return;
  var state = main.getAttribute('data-state');
  if (state !== 'pending' && state !== 'handshake') return;
  if (view.status === 'handshake') return setState('handshake', 'Wallet connected. Approve the sign-in in your wallet app.');
  if (view.status === 'declined') return setState('declined', offerRetry('The sign-in was declined in the wallet.', view.reason));
  if (view.status === 'expired') return setState('expired', offerRetry('This sign-in code has expired.'));
  if (view.status === 'approved') return claim(current);
}

async function claim(login) {
  stopFollowing();
  loginBox.hidden = true;
  setState('approved', 'Approved. Signing you in…');
  var response;
  try {
    // With the login cookie, this answer sets the httpOnly session cookies; the tokens in the body are not kept.
    response = await fetch(login.status_url, { credentials: 'same-origin', headers: { accept: 'application/json' } });
  } catch (e) {
    return fail('The sign-in was approved but the session could not be set up. Please try again.');
  }
  var body = await jsonOf(response);
  if (!response.ok || typeof body.access_token !== 'string') {
    return fail(body.claimed
      ? 'This sign-in was already completed in another window. Please start a new one.'
      : 'The sign-in was approved, but this browser could not be signed in (are cookies blocked?). Please try again.');
  }
  signedIn(body.user && body.user.npub);
}

function signedIn(npub) {
  current = null;
  if (target !== null) {
    setState('redirecting', 'Signed in. Taking you back…');
    location.replace(target);
    return;
  }
  setState('signed-in', 'You are signed in.');
  who.textContent = npub || '';
  doneBox.hidden = false;
  signOut.focus();
}

async function tryRefresh() {
  try {
    var response = await fetch(paths.refresh, { method: 'POST', credentials: 'same-origin', headers: { accept: 'application/json' } });
    return response.ok;
  } catch (e) {
    return false;
  }
}

async function whoAmI() {
  try {
    var response = await fetch(paths.me, { credentials: 'same-origin', headers: { accept: 'application/json' } });
    return response.ok ? (await jsonOf(response)).npub : undefined;
  } catch (e) {
    return undefined;
  }
}

retry.addEventListener('click', function () { startLogin(); });
signOut.addEventListener('click', async function () {
  signOut.disabled = true;
  var logout = function () { return fetch(paths.logout, { method: 'POST', credentials: 'same-origin', headers: { accept: 'application/json' } }); };
  try {
    // An expired access cookie cannot sign out, but the refresh cookie would sign the browser in again.
    var response = await logout();
    if (response.status === 401 && (await tryRefresh())) await logout();
  } catch (e) { /* offline: nothing more to do here */ }
  signOut.disabled = false;
  doneBox.hidden = true;
  setState('signed-out', 'You are signed out.');
  retry.hidden = false;
  retry.focus();
});

(async function begin() {
  if (settings.hasRefreshCookie && (await tryRefresh())) return signedIn(target === null ? await whoAmI() : undefined);
  await startLogin();
})();
})();
`;
