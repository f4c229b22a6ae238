/**
 * Where `issue` gets the secret key: --key, --key-file, --key-env or, with none of these, the
 * PORTAL_SERVICE_KEY variable. The file and variable forms keep the secret out of shell history.
 */
import { readFile } from 'node:fs/promises';
import { InvalidArgument, KeyInvalid } from '../errors.js';
import { parseSecretKey } from '../keys/nostr-keys.js';
import type { OptionSpec, ParsedArgs } from './args.js';
import type { CliIo } from './io.js';

export const DEFAULT_KEY_ENV = 'PORTAL_SERVICE_KEY';

export const KEY_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  key: {
    type: 'string',
    valueName: '<hex|nsec>',
    description: 'secret key to sign with (ends up in shell history: prefer the next two)',
  },
  'key-file': { type: 'string', valueName: '<path>', description: 'read the secret key from this file' },
  'key-env': { type: 'string', valueName: '<VAR>', description: 'read the secret key from this environment variable' },
};

const KEY_FLAGS = Object.keys(KEY_OPTIONS);

/** An argument quoted for an error message, unless it might be a secret typed in the wrong place. */
function mention(value: string): string {
  return /[0-9a-f]{64}|nsec1/i.test(value) ? '(not shown: it looks like a secret key)' : JSON.stringify(value);
}

async function readKeyFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new KeyInvalid(`cannot read the key file ${mention(path)} (${reason})`);
  }
}

function readKeyEnv(io: CliIo, name: string): string {
  const value = io.env[name];
  if (value === undefined) throw new KeyInvalid(`environment variable ${mention(name)} is not set`);
  return value;
}

function parseKey(text: string, source: string): string {
  return Buffer.from(parseSecretKey(text, `secret key ${source}`)).toString('hex');
}

/** The key given with --key, --key-file or --key-env (64 lower-case hex chars), or undefined when none is. */
export async function readGivenSecretKey(args: ParsedArgs, io: CliIo): Promise<string | undefined> {
  const given = KEY_FLAGS.filter((flag) => args.string(flag) !== undefined);
  if (given.length > 1)
    throw new InvalidArgument(`give only one of --${KEY_FLAGS.join(', --')} (got --${given.join(' and --')})`);
  const key = args.string('key');
  if (key !== undefined) return parseKey(key, 'given with --key');
  const path = args.string('key-file');
  if (path !== undefined) return parseKey(await readKeyFile(path), 'from --key-file');
  const envName = args.string('key-env');
  if (envName !== undefined) return parseKey(readKeyEnv(io, envName), `from environment variable ${mention(envName)}`);
  return undefined;
}

/** The secret key as 64 lower-case hex chars; errors name the source, never the secret. */
export async function readSecretKey(args: ParsedArgs, io: CliIo): Promise<string> {
  const given = await readGivenSecretKey(args, io);
  if (given !== undefined) return given;
  const fallback = io.env[DEFAULT_KEY_ENV];
  if (fallback === undefined) {
    throw new InvalidArgument(`no secret key: give --key-file <path> or --key-env <VAR>, or set ${DEFAULT_KEY_ENV}`);
  }
  return parseKey(fallback, `from ${DEFAULT_KEY_ENV}`);
}
