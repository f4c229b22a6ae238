/** The token argument of `verify` and `decode`: given inline, or `-` / omitted to read standard input. */
import { InvalidArgument, JwtMalformed } from '../errors.js';
import type { CliIo } from './io.js';

export const TOKEN_ARGUMENT = '<token|->';

/** Far above any acceptable token, so the verifier reports the real length; only stops a runaway pipe. */
export const MAX_STDIN_BYTES = 64 * 1024;

async function readStdin(io: CliIo): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of io.stdin) {
    const bytes = Buffer.from(chunk);
    size += bytes.length;
    if (size > MAX_STDIN_BYTES)
      throw new JwtMalformed(`standard input holds more than ${MAX_STDIN_BYTES} bytes; a token is far shorter`);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The token text. From standard input exactly one trailing newline (`\n` or `\r\n`, as `echo` and
 * editors add) is removed; anything else stays, so that the strict verifier still sees it.
 */
export async function readTokenArgument(argument: string | undefined, io: CliIo): Promise<string> {
  if (argument !== undefined && argument !== '-') return argument;
  if (argument === undefined && io.stdin.isTTY) {
    throw new InvalidArgument(
      `missing token: give it as an argument, pipe it in, or give "-" to type it on standard input`,
    );
  }
  const text = await readStdin(io);
  const token = text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
  if (token === '') throw new JwtMalformed('standard input holds no token');
  return token;
}
