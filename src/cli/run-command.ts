/** Running a command: parse its arguments, answer --help, and turn every error into an exit code. */
import { GatewayError, InvalidArgument } from '../errors.js';
import { formatUsage, HELP, parseCommandArgs, type CommandSpec, type ParsedArgs } from './args.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, type CliIo } from './io.js';

/**
 * Print a failure as one line and return its exit code. Typed errors print `<CODE>: <message>`
 * (their messages never quote a secret or a token); anything else prints only its first line, so
 * no stack trace reaches the user.
 */
export function reportFailure(io: CliIo, error: unknown): number {
  if (error instanceof GatewayError) {
    io.stderr.write(`${error.code}: ${error.message}\n`);
    return error instanceof InvalidArgument ? EXIT_USAGE : EXIT_FAILURE;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`portal-gateway: unexpected error: ${message.split('\n')[0]}\n`);
  return EXIT_FAILURE;
}

export async function guarded(io: CliIo, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    return reportFailure(io, error);
  }
}

export function runCommand(
  spec: CommandSpec,
  argv: readonly string[],
  io: CliIo,
  body: (args: ParsedArgs) => Promise<number>,
): Promise<number> {
  return guarded(io, async () => {
    const args = parseCommandArgs(spec, argv);
    if (args === HELP) {
      io.stdout.write(formatUsage(spec));
      return EXIT_OK;
    }
    return body(args);
  });
}
