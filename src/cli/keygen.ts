/**
 * `portal-gateway keygen`: a new key pair. The only command that ever prints a secret, unless
 * `--out` writes it to a new file (mode 0600) instead.
 */
import { writeFileSync } from 'node:fs';
import { InvalidArgument } from '../errors.js';
import { generateKeyPair } from '../keys/nostr-keys.js';
import type { CommandSpec } from './args.js';
import { EXIT_OK, type CliIo } from './io.js';
import { DEFAULT_KEY_ENV } from './key-source.js';
import { runCommand } from './run-command.js';

export const summary = 'generate a new key pair (secret and public key, hex and bech32)';

const spec: CommandSpec = {
  name: 'keygen',
  summary,
  synopsis: '[--out <file>] [--json]',
  options: {
    out: {
      type: 'string',
      valueName: '<file>',
      description: 'write the secret key to this new file (mode 0600; never overwrites) and print only the public key',
    },
    json: {
      type: 'boolean',
      description: 'print {"secretKey","publicKey","npub","nsec"} as JSON ({"publicKey","npub","file"} with --out)',
    },
  },
  maxPositionals: 0,
};

/** A new file readable by its owner only; an existing file is never replaced (it may hold a key in use). */
function writeSecretFile(path: string, secretKey: string): void {
  try {
    writeFileSync(path, `${secretKey}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'EEXIST')
      throw new InvalidArgument(
        `--out ${path} already exists: keygen never overwrites a file (remove it or choose another)`,
      );
    throw new InvalidArgument(`--out ${path} cannot be written (${code})`);
  }
}

export function run(argv: string[], io: CliIo): Promise<number> {
  return runCommand(spec, argv, io, async (args) => {
    const pair = generateKeyPair();
    const out = args.string('out');
    if (out !== undefined) {
      writeSecretFile(out, pair.secretKey);
      if (args.flag('json')) {
        io.stdout.write(JSON.stringify({ publicKey: pair.publicKey, npub: pair.npub, file: out }) + '\n');
        return EXIT_OK;
      }
      io.stdout.write(`public key (hex): ${pair.publicKey}\nnpub:             ${pair.npub}\n`);
      io.stderr.write(
        `Secret key written to ${out} (mode 0600): use it with --key-file ${out} or ${DEFAULT_KEY_ENV}_FILE=${out}.\n`,
      );
      return EXIT_OK;
    }
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
