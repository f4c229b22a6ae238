/**
 * `portal-gateway assertion-key rotate [--config <file>]`: a new key signs the identity assertions from
 * now on; the previous one stays published at /.well-known/jwks.json for ttlSec + 5 minutes, so
 * assertions it signed keep verifying. Running gateways on the same data directory switch within seconds.
 */
import {
  keyringPath,
  readKeyring,
  rotateKeyring,
  writeKeyring,
  RETIRED_KEY_GRACE_SEC,
  keysOfRing,
} from '../assertion/keyring.js';
import { configSource, loadConfig, readConfigSource } from '../config/load.js';
import { ConfigInvalid } from '../errors.js';
import { nowSeconds } from '../keys/clock.js';
import { usageError, type CommandSpec } from './args.js';
import { EXIT_OK, type CliIo } from './io.js';
import { runCommand } from './run-command.js';

export const summary =
  'rotate the key that signs x-portal-assertion (the previous one stays published for ttlSec + 5 min)';

const spec: CommandSpec = {
  name: 'assertion-key',
  summary,
  synopsis: 'rotate [--config <file>]',
  options: {
    config: {
      type: 'string',
      valueName: '<file>',
      description: 'gateway configuration (JSON; default: PORTAL_CONFIG, else the environment alone)',
    },
  },
  maxPositionals: 1,
  notes:
    'The keys live in the data directory (dataDir/assertion-keys.json). With assertion.keyFile the key is that file: rotate by replacing it.',
};

export function run(argv: string[], io: CliIo): Promise<number> {
  return runCommand(spec, argv, io, async (args) => {
    const [action] = args.positionals;
    if (action !== 'rotate')
      throw usageError(spec, action === undefined ? 'missing the action "rotate"' : 'the only action is "rotate"');
    const source = configSource(args.string('config'), io.env);
    // Only the data directory and the assertion settings matter here: no routes needed without a file.
    const config = loadConfig(source === 'embedded' ? { routes: [] } : readConfigSource(source), io.env);
    const { dataDir, assertion } = config;
    if (assertion.keyFile !== undefined) {
      throw new ConfigInvalid([
        `assertion.keyFile: the key comes from ${assertion.keyFile}; rotate it by replacing that file`,
      ]);
    }
    const path = keyringPath(dataDir);
    const now = nowSeconds();
    const ring = rotateKeyring(readKeyring(path), assertion.alg, assertion.ttlSec, now);
    writeKeyring(path, dataDir, ring);
    const [current, previous] = keysOfRing(ring);
    io.stdout.write(`assertion key ${current!.kid} (${current!.alg}) signs from now on (${path})\n`);
    if (previous) {
      const until = new Date((now + assertion.ttlSec + RETIRED_KEY_GRACE_SEC) * 1000).toISOString();
      io.stdout.write(`previous key ${previous.kid} stays published until ${until}\n`);
    }
    return EXIT_OK;
  });
}
