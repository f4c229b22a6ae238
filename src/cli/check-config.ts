/** `portal-gateway check-config --config <file>`: validate a configuration and exit. */
import { loadConfig, readConfigFile } from '../config/load.js';
import type { CommandSpec } from './args.js';
import { EXIT_OK, type CliIo } from './io.js';
import { runCommand } from './run-command.js';

export const summary = 'validate a configuration file (every problem is reported at once)';

const spec: CommandSpec = {
  name: 'check-config',
  summary,
  synopsis: '--config <file>',
  options: {
    config: { type: 'string', valueName: '<file>', description: 'gateway configuration (JSON)' },
  },
  maxPositionals: 0,
  notes: 'Environment overrides (PORTAL_SERVICE_KEY, PORTAL_SERVICE_KEY_FILE, PORTAL_GATEWAY_PORT, …) are applied first.',
};

export function run(argv: string[], io: CliIo): Promise<number> {
  return runCommand(spec, argv, io, async (args) => {
    const path = args.requiredString('config');
    const config = loadConfig(readConfigFile(path), io.env);
    io.stdout.write(
      `${path}: OK — ${config.routes.length} route${config.routes.length === 1 ? '' : 's'}, ` +
        `listen ${config.listen.host}:${config.listen.port}, ` +
        `service key ${config.serviceKey ? 'configured' : `generated in ${config.dataDir}`}\n`,
    );
    return EXIT_OK;
  });
}
