/** Top level of the command line: pick the command, or answer --help / --version. */
import { createRequire } from 'node:module';
import { InvalidArgument } from '../errors.js';
import { isWord } from './args.js';
import { EXIT_OK, EXIT_USAGE, type CliIo } from './io.js';
import { guarded } from './run-command.js';

/** One command: a module under src/cli/ exporting `summary` and `run`. */
export interface CliCommand {
  readonly summary: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

export type CommandTable = Readonly<Record<string, CliCommand>>;

function overview(commands: CommandTable): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  return [
    'Usage: portal-gateway <command> [options]',
    '',
    'Sign in to existing HTTP APIs with a Nostr wallet app (Portal protocol).',
    '',
    'Commands:',
    ...Object.entries(commands).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`),
    '',
    'Run "portal-gateway <command> --help" for the options of a command.',
    'Exit codes: 0 success, 1 failure (e.g. invalid token or key), 2 usage error.',
    '',
  ].join('\n');
}

function version(): string {
  // The same relative path from src/cli/ and dist/cli/.
  return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
}

function unknown(name: string): InvalidArgument {
  const what = name.startsWith('-')
    ? `unknown option${isWord(name.replace(/^--?/, '')) ? ` ${name}` : ''}`
    : `unknown command${isWord(name) ? ` "${name}"` : ''}`;
  return new InvalidArgument(`${what} (see "portal-gateway --help")`);
}

function findCommand(commands: CommandTable, name: string): CliCommand {
  if (Object.hasOwn(commands, name)) return commands[name]!;
  throw unknown(name);
}

export async function runCli(commands: CommandTable, argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr.write(overview(commands));
    return EXIT_USAGE;
  }
  return guarded(io, async () => {
    if (name === '--help' || name === '-h' || name === 'help') {
      if (rest[0] === undefined) {
        io.stdout.write(overview(commands));
        return EXIT_OK;
      }
      return findCommand(commands, rest[0]).run(['--help'], io);
    }
    if (name === '--version') {
      io.stdout.write(version() + '\n');
      return EXIT_OK;
    }
    // Commands report their own errors; `guarded` still catches one that escaped a command.
    return findCommand(commands, name).run(rest, io);
  });
}
