/** `portal-gateway decode`: show what a token says, for debugging. Checks nothing. */
import { decodeJwtWithoutVerifying } from '../jwt/decode.js';
import type { CommandSpec } from './args.js';
import { EXIT_OK, type CliIo } from './io.js';
import { runCommand } from './run-command.js';
import { readTokenArgument, TOKEN_ARGUMENT } from './token-input.js';

export const summary = 'print the header and payload of a token WITHOUT verifying it';

const spec: CommandSpec = {
  name: 'decode',
  summary,
  synopsis: TOKEN_ARGUMENT,
  options: {},
  maxPositionals: 1,
  notes: 'Nothing is checked: not the signature, not the issuer, not the expiry. Use "verify" for that.',
};

export function run(argv: string[], io: CliIo): Promise<number> {
  return runCommand(spec, argv, io, async (args) => {
    const token = await readTokenArgument(args.positionals[0], io);
    const { header, payload } = decodeJwtWithoutVerifying(token);
    io.stderr.write('warning: NOT verified: the signature, issuer and expiry of this token were not checked\n');
    io.stdout.write(JSON.stringify({ header, payload }, null, 2) + '\n');
    return EXIT_OK;
  });
}
