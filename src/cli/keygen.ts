/** `portal-gateway keygen`: a new key pair. The only command that ever prints a secret. */
import { generateKeyPair } from '../jwt/keys.js';
import type { CommandSpec } from './args.js';
import { EXIT_OK, type CliIo } from './io.js';
import { DEFAULT_KEY_ENV } from './key-source.js';
import { runCommand } from './run-command.js';

export const summary = 'generate a new key pair (secret and public key, hex and bech32)';

const spec: CommandSpec = {
  name: 'keygen',
  summary,
  synopsis: '[--json]',
  options: {
    json: { type: 'boolean', description: 'print {"secretKey","publicKey","npub","nsec"} as JSON' },
  },
  maxPositionals: 0,
};

export function run(argv: string[], io: CliIo): Promise<number> {
  return runCommand(spec, argv, io, async (args) => {
    const pair = generateKeyPair();
    if (args.flag('json')) {
      io.stdout.write(JSON.stringify(pair) + '\n');
      return EXIT_OK;
    }
    io.stdout.write(
      [
        `secret key (hex): ${pair.secretKey}`,
        `public key (hex): ${pair.publicKey}`,
        `npub:             ${pair.npub}`,
        `nsec:             ${pair.nsec}`,
      ].join('\n') + '\n',
    );
    // On stderr so that the four lines above stay clean for a pipe.
    io.stderr.write(`Keep the secret key private: store it in a file (--key-file) or in ${DEFAULT_KEY_ENV}.\n`);
    return EXIT_OK;
  });
}
