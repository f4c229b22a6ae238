/**
 * `portal-gateway wallet approve <portal-url>`: a wallet in the terminal. It answers the login named by a
 * portal:// URL as a phone wallet would (the demo's wallet: same relay, same Portal messages), for local
 * tries and for the CI of apps behind the gateway. stdout gets only the user's npub.
 */
import { DemoWallet } from '../demo/demo-wallet.js';
import { generateKeyPair, toNsec } from '../keys/nostr-keys.js';
import { parseHandshakeUrl } from '../nostr/handshake-url.js';
import { usageError, type CommandSpec } from './args.js';
import { EXIT_OK, type CliIo } from './io.js';
import { KEY_OPTIONS, readGivenSecretKey } from './key-source.js';
import { parseWholeSeconds } from './option-values.js';
import { runCommand } from './run-command.js';

export const summary = 'a wallet in the terminal: approve (or --decline) the login of a portal:// URL';

const DEFAULT_TIMEOUT_SEC = 30;
const DECLINE_REASON = 'declined from the terminal (portal-gateway wallet approve --decline)';

const spec: CommandSpec = {
  name: 'wallet',
  summary,
  synopsis: "approve '<portal-url>' [--key <nsec|hex> | --key-file <f>] [--decline] [--timeout <s>]",
  options: {
    key: {
      ...KEY_OPTIONS.key!,
      valueName: '<nsec|hex>',
      description: "the user's secret key (ends up in shell history: prefer --key-file)",
    },
    'key-file': {
      ...KEY_OPTIONS['key-file']!,
      valueName: '<f>',
      description: "read the user's secret key from this file",
    },
    decline: { type: 'boolean', description: 'decline the login instead of approving it' },
    timeout: {
      type: 'string',
      valueName: '<s>',
      description: `seconds to wait for the gateway's challenge (default ${DEFAULT_TIMEOUT_SEC})`,
    },
  },
  maxPositionals: 2,
  notes:
    'Without a key a new one is generated and printed (npub and nsec) on stderr. stdout gets only the npub.\n' +
    'Quote the URL: it contains "&". Exit codes: 0 answered, 1 failure (bad URL, relay unreachable, timeout), 2 usage error.',
};

export function run(argv: string[], io: CliIo): Promise<number> {
  return runCommand(spec, argv, io, async (args) => {
    const [action, portalUrl] = args.positionals;
    if (action !== 'approve')
      throw usageError(spec, action === undefined ? 'missing the action "approve"' : 'the only action is "approve"');
    if (portalUrl === undefined) throw usageError(spec, 'missing the portal:// URL of the login');
    const timeoutText = args.string('timeout');
    const timeoutSec = timeoutText === undefined ? DEFAULT_TIMEOUT_SEC : parseWholeSeconds(timeoutText, '--timeout');
    if (timeoutSec < 1) throw usageError(spec, '--timeout must be at least 1 second');
    let secretKey = await readGivenSecretKey(args, io);
    parseHandshakeUrl(portalUrl); // a bad URL fails before a key is generated or a relay contacted
    if (secretKey === undefined) {
      const generated = generateKeyPair();
      secretKey = generated.secretKey;
      io.stderr.write(
        `no --key given: a new wallet key was generated (keep the nsec to sign in as this user again)\n  npub: ${generated.npub}\n  nsec: ${toNsec(generated.secretKey)}\n`,
      );
    }
    const wallet = new DemoWallet((line) => void io.stderr.write(`${line}\n`), {
      secretKey: Buffer.from(secretKey, 'hex'),
      timeoutMs: timeoutSec * 1000,
      clientName: 'portal-gateway wallet (terminal)',
    });
    const decline = args.flag('decline');
    if (decline) await wallet.decline(portalUrl, DECLINE_REASON);
    else await wallet.approve(portalUrl);
    io.stderr.write(
      decline
        ? `declined: the decline was sent to the gateway as ${wallet.npub}\n`
        : `approved: signed in as ${wallet.npub}\n`,
    );
    io.stdout.write(`${wallet.npub}\n`);
    return EXIT_OK;
  });
}
