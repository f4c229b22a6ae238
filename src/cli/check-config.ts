/**
 * `portal-gateway check-config [--config <file>]`: validate a configuration and exit. The file comes
 * from `--config` or PORTAL_CONFIG; without one the environment alone is checked (the container case).
 */
import { readKeyFile } from '../assertion/keyring.js';
import { configSource, loadConfig, misspeltVariableWarnings, readConfigSource } from '../config/load.js';
import { namedAfterVariables } from '../config/environment.js';
import { gatewayPaths, shadowedEndpointsWarning } from '../gateway-endpoints.js';
import { readTlsFiles } from '../http/tls.js';
import type { CommandSpec } from './args.js';
import { EXIT_OK, type CliIo } from './io.js';
import { runCommand } from './run-command.js';
import { plannedServiceKeyOrigin } from './service-key-origin.js';

export const summary = 'validate a configuration: file and environment (every problem is reported at once)';

const spec: CommandSpec = {
  name: 'check-config',
  summary,
  synopsis: '[--config <file>]',
  options: {
    config: {
      type: 'string',
      valueName: '<file>',
      description: 'gateway configuration (JSON; default: PORTAL_CONFIG, else the environment alone)',
    },
  },
  maxPositionals: 0,
  notes:
    'Settings from the environment (PORTAL_ + the key path in upper snake case, e.g. PORTAL_LISTEN_PORT) are applied first.',
};

export function run(argv: string[], io: CliIo): Promise<number> {
  return runCommand(spec, argv, io, async (args) => {
    const source = configSource(args.string('config'), io.env);
    const raw = readConfigSource(source);
    const config = loadConfig(raw, io.env);
    try {
      // What serve would refuse at start-up: certificate files that cannot be read or do not match.
      if (config.listen.tls) readTlsFiles(config.listen.tls);
      // And an assertion key file that cannot be read, is no key, or is of the wrong curve.
      if (config.assertion.enabled && config.assertion.keyFile !== undefined)
        readKeyFile(config.assertion.keyFile, config.assertion.alg);
    } catch (error) {
      throw namedAfterVariables(error, io.env);
    }
    const shadowed = shadowedEndpointsWarning(config.routes, gatewayPaths(config.gatewayPrefix));
    if (shadowed) io.stderr.write(`${shadowed}\n`);
    for (const warning of misspeltVariableWarnings(raw, io.env)) io.stderr.write(`${warning}\n`);
    io.stdout.write(
      `${typeof source === 'object' ? source.file : 'environment'}: OK — ${config.routes.length} route${config.routes.length === 1 ? '' : 's'}, ` +
        `listen ${config.listen.host}:${config.listen.port}, ` +
        `service key ${plannedServiceKeyOrigin(config, io.env)}\n`,
    );
    if (config.relays.length === 0) {
      io.stderr.write(
        'warning: wallet sign-in is off: no Nostr relays are configured ("relays", PORTAL_RELAYS or relays.config.json); ' +
          '`serve --dev` runs a local relay for tries on this machine\n',
      );
    }
    return EXIT_OK;
  });
}
