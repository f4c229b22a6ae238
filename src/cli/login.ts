/**
 * `portal-gateway login --url <gateway> [--json]`: sign in from a terminal. Starts a login on the
 * gateway (POST /auth/login), shows the portal:// URL and a QR code for the wallet app, follows the
 * login (server-sent events, polling when they break) and prints the tokens once the wallet approves.
 *
 * Everything for the person at the terminal goes to stderr; stdout carries only the result, so that
 * `eval "$(portal-gateway login --url …)"` or `… --json | jq` work.
 */
import QRCode from 'qrcode';
import { followLogin, type FinalStatus } from '../client/login-follow.js';
import type { LoginStatusView } from '../client/types.js';
import { LoginDeclined, LoginExpired } from '../errors.js';
import { usageError, type CommandSpec } from './args.js';
import { EXIT_FAILURE, EXIT_OK, type CliIo } from './io.js';
import { formatTokens } from './login-output.js';
import { startGatewayLogin } from './login-start.js';
import { printable } from './printable.js';
import { runCommand } from './run-command.js';

export const summary = 'sign in with a wallet app from the terminal (QR code), then print the tokens';

const spec: CommandSpec = {
  name: 'login',
  summary,
  synopsis: '--url <gateway URL> [--json]',
  options: {
    url: { type: 'string', valueName: '<url>', description: 'the gateway, e.g. https://api.example.com' },
    json: { type: 'boolean', description: 'print the token response as JSON instead of shell export lines' },
  },
  maxPositionals: 0,
  notes: [
    'The QR code and the progress go to stderr; stdout gets only the result:',
    '  eval "$(portal-gateway login --url https://api.example.com)"   # sets PORTAL_ACCESS_TOKEN',
    'Exit codes: 0 approved; 1 declined, expired or failed (one line "<CODE>: <message>"); 2 usage error.',
  ].join('\n'),
};

/** How long past the login's own expiry to keep waiting for the gateway to report it. */
const EXPIRY_GRACE_MS = 30_000;
/** The longest login the gateway allows (login.timeoutSec), whatever expiry a gateway claims. */
const MAX_LOGIN_MS = 3600_000;

function gatewayBase(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError(spec, '--url must be an absolute http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw usageError(spec, '--url must be an http:// or https:// URL');
  if (url.username || url.password) throw usageError(spec, '--url must not contain credentials');
  if (url.search || url.hash) throw usageError(spec, '--url must be the gateway base URL, without a query or fragment');
  return url.href.replace(/\/+$/, '');
}

function describe(view: LoginStatusView): string {
  switch (view.status) {
    case 'pending':
      return `waiting for the wallet (the login expires at ${new Date(view.expires_at * 1000).toLocaleTimeString()})`;
    case 'handshake':
      return 'the wallet has the request; approve it in the app';
    case 'approved':
      return `approved${view.user ? ` as ${view.user.npub}` : ''}`;
    case 'declined':
      return 'declined';
    default:
      return view.status;
  }
}

export function run(argv: string[], io: CliIo): Promise<number> {
  return runCommand(spec, argv, io, async (args) => {
    const answer = await startGatewayLogin(gatewayBase(args.requiredString('url')));
    if (!answer.ok) {
      // The gateway's own error (e.g. ERR_RELAYS_UNAVAILABLE), passed on as it said it.
      io.stderr.write(`${answer.code}: ${answer.message}\n`);
      return EXIT_FAILURE;
    }
    const started = answer.login;
    io.stderr.write(
      `Open this in your Nostr wallet app, or scan the QR code:\n\n${printable(started.portal_url, 4096)}\n\n`,
    );
    io.stderr.write(await QRCode.toString(started.portal_url, { type: 'terminal', small: true }));
    io.stderr.write('\n');

    const abort = new AbortController();
    const waitMs = Math.min(Math.max(0, started.expires_at * 1000 - Date.now()), MAX_LOGIN_MS) + EXPIRY_GRACE_MS;
    const deadline = setTimeout(
      () => abort.abort(new LoginExpired('the gateway never reported the end of the login')),
      waitMs,
    );
    let final: FinalStatus;
    try {
      final = await followLogin(
        {
          fetch: globalThis.fetch.bind(globalThis),
          url: (path) => answer.base + path,
          credentials: 'omit',
          pollIntervalMs: 1000,
          signal: abort.signal,
          poll: false,
          onStatus: (view) => io.stderr.write(`login: ${printable(describe(view), 300)}\n`),
        },
        started,
      );
    } finally {
      clearTimeout(deadline);
    }
    // The reason comes from the wallet or the gateway: printed only once made safe for a terminal.
    const reason = final.reason ? printable(final.reason, 200) : undefined;
    if (final.status === 'declined') throw new LoginDeclined(reason);
    if (final.status !== 'approved')
      throw new LoginExpired(reason ? `the login ended without approval: ${reason}` : undefined);
    io.stdout.write(formatTokens(final, args.flag('json')));
    return EXIT_OK;
  });
}
