/** Test support for the command line: in-memory streams for in-process runs, and the real program. */
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { JWK } from 'jose';
import { expect } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

export interface IoOptions {
  /** Text piped to standard input; omitted: an empty pipe. */
  stdin?: string;
  /** Standard input is a terminal. */
  tty?: boolean;
  env?: Record<string, string>;
}

export function memoryIo(options: IoOptions = {}): { io: CliIo; output: () => Omit<Captured, 'code'> } {
  let stdout = '';
  let stderr = '';
  const stdin = Object.assign(Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]), {
    isTTY: options.tty ?? false,
  });
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdin,
    env: options.env ?? {},
  };
  return { io, output: () => ({ stdout, stderr }) };
}

type CommandRun = (argv: string[], io: CliIo) => Promise<number>;

/** Run one command module in-process. */
export async function runInProcess(run: CommandRun, argv: string[], options: IoOptions = {}): Promise<Captured> {
  const { io, output } = memoryIo(options);
  const code = await run(argv, io);
  return { code, ...output() };
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Run the real program (src/cli.ts through tsx, no build needed) as a child process. */
export function runProgram(
  args: string[],
  options: { env?: Record<string, string>; stdin?: string } = {},
): Promise<Captured> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  if (!options.env?.PORTAL_SERVICE_KEY) delete env.PORTAL_SERVICE_KEY;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: ROOT, env });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  child.stdin.end(options.stdin ?? '');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** None of the texts contains the secret, in any spelling the CLI could print it. */
export function expectSecretAbsent(texts: readonly string[], secretHex: string, nsec?: string): void {
  for (const text of texts) {
    expect(text.toLowerCase()).not.toContain(secretHex.toLowerCase());
    if (nsec) expect(text).not.toContain(nsec);
  }
}

export interface EvenYKey {
  secretHex: string;
  publicHex: string;
  /** For jose: private (with d) and public JWKs. */
  privateJwk: JWK;
  publicJwk: JWK;
}

/**
 * A secp256k1 key pair from OpenSSL whose point has even y, so that the x-only key names the very
 * point that signs (Portal lifts x-only keys to even y). Independent of the project's key code.
 */
export function evenYKeyFromOpenSsl(): EvenYKey {
  for (;;) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    const jwk = privateKey.export({ format: 'jwk' });
    const y = Buffer.from(jwk.y!, 'base64url');
    if (y[31]! % 2 !== 0) continue;
    const publicJwk = { kty: 'EC', crv: 'secp256k1', x: jwk.x!, y: jwk.y! };
    return {
      secretHex: Buffer.from(jwk.d!, 'base64url').toString('hex'),
      publicHex: Buffer.from(jwk.x!, 'base64url').toString('hex'),
      privateJwk: { ...publicJwk, d: jwk.d! },
      publicJwk,
    };
  }
}
