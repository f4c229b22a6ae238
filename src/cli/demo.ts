/**
 * `portal-gateway demo [--port <n>]`: the whole wallet sign-in on this machine (local relay, demo API,
 * gateway, simulated wallet), narrated step by step, then left running for a browser until Ctrl-C.
 */
import { InvalidArgument } from '../errors.js';
import { startDemo } from '../demo/run-demo.js';
import type { CommandSpec } from './args.js';
import { EXIT_OK, type CliIo } from './io.js';
import { runCommand } from './run-command.js';

export const summary = 'try the wallet sign-in locally: relay, demo API, gateway and a simulated wallet';

const spec: CommandSpec = {
  name: 'demo',
  summary,
  synopsis: '[--port <n>]',
  options: {
    port: { type: 'string', valueName: '<n>', description: 'gateway port (default 8080, or a free one when 8080 is taken)' },
  },
  maxPositionals: 0,
  notes: 'Everything listens on 127.0.0.1 and stops with Ctrl-C. Nothing is written to disk.',
};

function parsePort(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port > 65535) throw new InvalidArgument('--port must be a port number from 0 to 65535');
  return port;
}

export function run(argv: string[], io: CliIo): Promise<number> {
  return runCommand(spec, argv, io, async (args) => {
    const port = parsePort(args.string('port'));
    const demo = await startDemo({ ...(port === undefined ? {} : { port }), out: (line) => void io.stdout.write(`${line}\n`) });
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    io.stdout.write('stopping…\n');
    await demo.close();
    return EXIT_OK;
  });
}
