/** `portal-gateway verify`: the strict verification profile, from the command line. */
import { verifyJwt } from '../jwt/verify.js';
import type { CommandSpec } from './args.js';
import { EXIT_OK, type CliIo } from './io.js';
import { parseOptionalWholeSeconds } from './option-values.js';
import { runCommand } from './run-command.js';
import { readTokenArgument, TOKEN_ARGUMENT } from './token-input.js';

export const summary = 'verify a Portal JWT against an issuer key and print its claims';

const spec: CommandSpec = {
  name: 'verify',
  summary,
  synopsis: `--pubkey <npub|hex> [--now <unix seconds>] [--tolerance <sec>] ${TOKEN_ARGUMENT}`,
  options: {
    pubkey: {
      type: 'string',
      valueName: '<npub|hex>',
      description: 'public key of the issuer that must have signed the token',
    },
    now: {
      type: 'string',
      valueName: '<unix seconds>',
      description: 'check exp/nbf at this time instead of the current time',
    },
    tolerance: { type: 'string', valueName: '<sec>', description: 'allowed clock skew for exp/nbf (default 60)' },
  },
  maxPositionals: 1,
  notes: [
    'With "-", or no token while standard input is piped, the token is read from standard input',
    '(one trailing newline removed). Valid: claims as JSON on stdout, exit 0. Invalid: one line',
    '"<CODE>: <reason>" on stderr, exit 1.',
  ].join('\n'),
};

export function run(argv: string[], io: CliIo): Promise<number> {
  return runCommand(spec, argv, io, async (args) => {
    const pubkey = args.requiredString('pubkey');
    const now = parseOptionalWholeSeconds(args.string('now'), '--now');
    const clockToleranceSec = parseOptionalWholeSeconds(args.string('tolerance'), '--tolerance');
    const token = await readTokenArgument(args.positionals[0], io);
    const claims = verifyJwt(pubkey, token, { now, clockToleranceSec });
    io.stdout.write(JSON.stringify(claims, null, 2) + '\n');
    return EXIT_OK;
  });
}
