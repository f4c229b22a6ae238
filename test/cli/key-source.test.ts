import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nsecEncode } from 'nostr-tools/nip19';
import { afterAll, describe, expect, it } from 'vitest';
import { HELP, parseCommandArgs, type CommandSpec } from '../../src/cli/args.js';
import { KEY_OPTIONS, readSecretKey } from '../../src/cli/key-source.js';
import { GatewayError, InvalidArgument, KeyInvalid } from '../../src/errors.js';
import { evenYKeyFromOpenSsl, memoryIo } from './helpers.js';

const spec: CommandSpec = { name: 'issue', summary: 'test', synopsis: '', options: KEY_OPTIONS, maxPositionals: 0 };
const key = evenYKeyFromOpenSsl();
const nsec = nsecEncode(Buffer.from(key.secretHex, 'hex'));
const dir = mkdtempSync(join(tmpdir(), 'portal-gateway-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keyFile(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

function read(argv: string[], env: Record<string, string> = {}): Promise<string> {
  const args = parseCommandArgs(spec, argv);
  if (args === HELP) throw new Error('unexpected help');
  return readSecretKey(args, memoryIo({ env }).io);
}

async function failure(argv: string[], env: Record<string, string> = {}): Promise<GatewayError> {
  const error = await read(argv, env).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GatewayError);
  const typed = error as GatewayError;
  expect(typed.message.toLowerCase()).not.toContain(key.secretHex);
  expect(typed.message).not.toContain(nsec);
  return typed;
}

describe('readSecretKey', () => {
  it.each([
    ['--key hex', () => read(['--key', key.secretHex])],
    ['--key upper-case hex', () => read(['--key', key.secretHex.toUpperCase()])],
    ['--key nsec', () => read([`--key=${nsec}`])],
    ['--key-file with a trailing newline', () => read(['--key-file', keyFile('nl.key', `${key.secretHex}\n`)])],
    ['--key-file holding an nsec', () => read(['--key-file', keyFile('nsec.key', nsec)])],
    ['--key-env', () => read(['--key-env', 'MY_KEY'], { MY_KEY: key.secretHex })],
    ['PORTAL_SERVICE_KEY', () => read([], { PORTAL_SERVICE_KEY: nsec })],
  ])('reads the key from %s', async (_name, readKey) => {
    expect(await readKey()).toBe(key.secretHex);
  });

  it('prefers an explicit option over PORTAL_SERVICE_KEY', async () => {
    const other = evenYKeyFromOpenSsl();
    expect(await read(['--key-env', 'MY_KEY'], { MY_KEY: key.secretHex, PORTAL_SERVICE_KEY: other.secretHex })).toBe(
      key.secretHex,
    );
  });

  it('refuses two key options (usage error)', async () => {
    const error = await failure(['--key', key.secretHex, '--key-env', 'X'], { X: key.secretHex });
    expect(error).toBeInstanceOf(InvalidArgument);
    expect(error.message).toMatch(/give only one of --key, --key-file, --key-env \(got --key and --key-env\)/);
  });

  it('asks for a key when none is given (usage error)', async () => {
    const error = await failure([]);
    expect(error).toBeInstanceOf(InvalidArgument);
    expect(error.message).toMatch(/no secret key: .*PORTAL_SERVICE_KEY/);
  });

  it('names a missing key file with the reason', async () => {
    const path = join(dir, 'absent.key');
    const error = await failure(['--key-file', path]);
    expect(error).toBeInstanceOf(KeyInvalid);
    expect(error.message).toBe(`cannot read the key file ${JSON.stringify(path)} (ENOENT)`);
  });

  it('does not quote a "path" that is really a secret key', async () => {
    const error = await failure(['--key-file', key.secretHex]);
    expect(error.message).toMatch(/cannot read the key file \(not shown: it looks like a secret key\) \(ENOENT\)/);
    const nsecPath = await failure(['--key-file', nsec]);
    expect(nsecPath.message).toMatch(/not shown/);
  });

  it('reports an unset variable, and a secret given as the variable name, without echoing it', async () => {
    expect((await failure(['--key-env', 'NOT_SET'])).message).toBe('environment variable "NOT_SET" is not set');
    expect((await failure(['--key-env', key.secretHex])).message).toMatch(/environment variable \(not shown/);
  });

  it.each([
    ['given with --key', (bad: string) => ['--key', bad], 'argv'],
    ['from --key-file', (bad: string) => ['--key-file', keyFile('bad.key', bad)], 'argv'],
    ['from environment variable "BAD"', () => ['--key-env', 'BAD'], 'env'],
    ['from PORTAL_SERVICE_KEY', () => [], 'default'],
  ] as const)('reports a malformed key %s with its source and without the key', async (source, argv, where) => {
    const bad = `${key.secretHex}0`; // one character too many: contains the real secret
    const env: Record<string, string> =
      where === 'env' ? { BAD: bad } : where === 'default' ? { PORTAL_SERVICE_KEY: bad } : {};
    const error = await failure([...argv(bad)], env);
    expect(error).toBeInstanceOf(KeyInvalid);
    expect(error.message).toContain(`secret key ${source} must be`);
    expect(error.message).toMatch(/must be 64 hex characters or an nsec1… string; got a string of 65 characters/);
  });

  it('reports a key outside the curve order', async () => {
    const error = await failure(['--key', 'f'.repeat(64)]);
    expect(error.message).toMatch(/out of range/);
  });
});
