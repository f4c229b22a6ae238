/**
 * `portal-gateway demo [--port <n>]`: the whole wallet sign-in on this machine (local relay, demo API,
 * gateway, simulated wallet), narrated step by step, then left running for a browser until Ctrl-C.
 */
import type { CommandSpec } from './args.js';
import { EXIT_OK, type CliIo } from './io.js';
import { parsePort } from './option-values.js';
import { runCommand } from './run-command.js';

export const summary = 'try the wallet sign-in locally: relay, demo API, gateway and a simulated wallet';

const spec: CommandSpec = {
  name: 'demo',
  summary,
  synopsis: '[--port <n>]',
  options: {
    port: {
      type: 'string',
      valueName: '<n>',
      description: 'gateway port (default 8080, or a free one when 8080 is taken)',
    },
  },
  maxPositionals: 0,
  notes: 'Everything listens on 127.0.0.1 and stops with Ctrl-C. Nothing is written to disk.',
};

export function run(argv: string[], io: CliIo): Promise<number> {
  return runCommand(spec, argv, io, async (args) => {
    const port = parsePort(args.string('port'), '--port');
    // Loaded only when the demo runs: every other command starts without the HTTP server.
    const { startDemo } = await import('../demo/run-demo.js');
    const demo = await startDemo({
      ...(port === undefined ? {} : { port }),
      out: (line) => void io.stdout.write(`${line}\n`),
    });
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
