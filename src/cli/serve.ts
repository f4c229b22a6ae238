/**
 * `portal-gateway serve [--config <file>] [--host <h>] [--port <n>]`: run the gateway. The configuration
 * comes from the file (`--config` or PORTAL_CONFIG) and the environment, or from the environment alone
 * when it names routes (PORTAL_ROUTES). With neither it runs on embedded defaults in front of a small demo
 * API, so that it can be tried with nothing else installed. A failure to start prints one line and exits 1
 * at once. SIGTERM / SIGINT drain in-flight requests, then exit. SIGHUP reloads the relay list and the TLS
 * certificate.
 */
import {
  configSource,
  loadConfig,
  misspeltVariableWarnings,
  readConfigSource,
  RELAYS_CONFIG_ENV,
} from '../config/load.js';
import { embeddedConfig } from '../config/embedded.js';
import { namedAfterVariables } from '../config/environment.js';
import type { GatewayConfig } from '../config/types.js';
import { shadowedEndpointsWarning } from '../gateway-endpoints.js';
import type { DemoUpstream } from '../demo/demo-upstream.js';
import { generateKeyPair } from '../keys/nostr-keys.js';
import type { EmbeddedRelay } from '../nostr/embedded-relay.js';
import type { Gateway } from '../server.js';
import { usageError, type CommandSpec } from './args.js';
import { EXIT_FAILURE, EXIT_OK, type CliIo } from './io.js';
import { parsePort } from './option-values.js';
import { reloadRelays } from './relay-reload.js';
import { reloadCertificate } from './tls-reload.js';
import { runCommand } from './run-command.js';
import { serviceKeyOrigin } from './service-key-origin.js';
import { listenFailure, startupFailureLine } from './startup-failure.js';

export const summary =
  'run the gateway (embedded defaults and a demo API when neither a config file nor PORTAL_ROUTES is given)';

const spec: CommandSpec = {
  name: 'serve',
  summary,
  synopsis: '[--config <file>] [--host <h>] [--port <n>] [--dev]',
  options: {
    config: {
      type: 'string',
      valueName: '<file>',
      description: 'gateway configuration (JSON; default: PORTAL_CONFIG); see the README',
    },
    host: {
      type: 'string',
      valueName: '<h>',
      description: 'address to listen on (over listen.host and PORTAL_GATEWAY_HOST)',
    },
    port: {
      type: 'string',
      valueName: '<n>',
      description: 'port to listen on, 0 for any free one (over listen.port and PORTAL_GATEWAY_PORT)',
    },
    dev: {
      type: 'boolean',
      description: 'when the configuration names no relays, run a local relay on 127.0.0.1 (wallet sign-in offline)',
    },
  },
  maxPositionals: 0,
  notes:
    'Every setting can also come from the environment: PORTAL_ + the key path in upper snake case (PORTAL_LISTEN_PORT, PORTAL_ROUTES, …).',
};

/** What runs beside the gateway on embedded defaults: the demo API and a local Nostr relay. */
interface Embedded {
  upstream: DemoUpstream;
  relay: EmbeddedRelay;
}

function banner(
  gateway: Gateway,
  url: string,
  demo: Embedded | undefined,
  devRelay: EmbeddedRelay | undefined,
  env: CliIo['env'],
): string {
  const { serviceKey, config } = gateway;
  const lines = [
    `portal-gateway listening on ${url}`,
    `service key: ${serviceKey.npub} (${serviceKeyOrigin(serviceKey, env)})`,
    'routes:',
    ...config.routes.map(
      (r) =>
        `  ${r.prefix.padEnd(12)} -> ${r.upstream ?? '(forward-auth only)'}  (${r.auth}${r.permissions.length ? `, needs ${r.permissions.join(', ')}` : ''})`,
    ),
    `relays: ${config.relays.length > 0 ? config.relays.join(', ') : 'none configured: wallet logins are off'}`,
    `metrics: ${gateway.metricsUrl ? `${gateway.metricsUrl}/metrics` : url + gateway.paths.metrics}`,
  ];
  if (devRelay) {
    lines.push(
      `(--dev: no relays configured, so a local relay runs at ${devRelay.url}; only this machine reaches it.`,
      ` Complete a login from a terminal: portal-gateway wallet approve '<portal_url from POST ${url}${gateway.paths.login}>')`,
    );
  }
  if (demo) {
    const user = generateKeyPair();
    const keyFlag = serviceKey.path ? `--key-file ${serviceKey.path}` : '--key-env PORTAL_SERVICE_KEY';
    lines.push(
      '',
      'Try it:',
      `  curl ${url}/public/hello                      # public: no token needed`,
      `  curl -i ${url}/api/profile                    # protected: 401 without a token`,
      `  TOKEN=$(node dist/cli.js issue ${keyFlag} --target ${user.npub} --hours 1)`,
      `  curl -H "Authorization: Bearer $TOKEN" ${url}/api/profile`,
      `  node dist/cli.js login --url ${url}           # sign in with a wallet: portal:// URL and QR code in this terminal`,
      `(wallet logins go through the local relay ${demo.relay.url}; use a config file with public relays for a phone)`,
    );
  }
  return lines.join('\n') + '\n';
}

/** `--host` / `--port` win over the config file and the environment. */
function withListenFlags(config: GatewayConfig, host: string | undefined, port: number | undefined): GatewayConfig {
  if (host === undefined && port === undefined) return config;
  return { ...config, listen: { host: host ?? config.listen.host, port: port ?? config.listen.port } };
}

/**
 * With `--dev`, relays.config.json is not looked up by default: relays come only from the configuration
 * or the environment, and when they name none a local relay stands in.
 */
function withoutDefaultRelays(raw: unknown, env: Readonly<Record<string, string | undefined>>): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw) || 'relays' in raw || env[RELAYS_CONFIG_ENV])
    return raw;
  return { ...raw, relays: [] };
}

async function startEmbeddedRelay(): Promise<EmbeddedRelay> {
  return (await import('../nostr/embedded-relay.js')).startEmbeddedRelay();
}

/** How long a gateway that failed to listen gets to release what it opened before the error is reported. */
const CLOSE_AFTER_FAILURE_MS = 2000;

async function startGateway(config: GatewayConfig): Promise<{ gateway: Gateway; url: string }> {
  // Loaded only now: a configuration error is reported without loading the HTTP server first.
  const { createGateway } = await import('../server.js');
  const gateway = await createGateway(config);
  try {
    return { gateway, url: await gateway.listen() };
  } catch (error) {
    // Relay connections, worker threads and the store would otherwise keep the failed process alive.
    await Promise.race([
      gateway.close().catch(() => undefined),
      new Promise((resolve) => setTimeout(resolve, CLOSE_AFTER_FAILURE_MS).unref()),
    ]);
    throw listenFailure(error, config.listen);
  }
}

export function run(argv: string[], io: CliIo): Promise<number> {
  return runCommand(spec, argv, io, async (args) => {
    const source = configSource(args.string('config'), io.env);
    const host = args.string('host');
    if (host === '') throw usageError(spec, 'option --host needs a host name or address');
    const port = parsePort(args.string('port'), '--port');
    const dev = args.flag('dev');
    let demo: Embedded | undefined;
    let devRelay: EmbeddedRelay | undefined;
    let config: GatewayConfig | undefined;
    // The configuration as read at start-up, also checked for misspelt variables once the gateway runs.
    let startRaw: unknown;
    try {
      let started: { gateway: Gateway; url: string };
      const readRaw = () => (demo ? embeddedConfig(demo.upstream.url, demo.relay.url) : readConfigSource(source));
      // The same rules at start-up and on SIGHUP, so a reload keeps the local relay while none is configured.
      const load = (raw = readRaw()): GatewayConfig => {
        const loaded = loadConfig(dev ? withoutDefaultRelays(raw, io.env) : raw, io.env);
        return devRelay && loaded.relays.length === 0 ? { ...loaded, relays: [devRelay.url] } : loaded;
      };
      try {
        if (source === 'embedded') {
          const { startDemoUpstream } = await import('../demo/demo-upstream.js');
          demo = { upstream: await startDemoUpstream(), relay: await startEmbeddedRelay() };
        }
        startRaw = readRaw();
        config = withListenFlags(load(startRaw), host, port);
        if (dev && config.relays.length === 0) {
          devRelay = await startEmbeddedRelay();
          config = { ...config, relays: [devRelay.url] };
        }
        started = await startGateway(config);
      } catch (error) {
        io.stderr.write(`${startupFailureLine(namedAfterVariables(error, io.env), config?.store)}\n`);
        return EXIT_FAILURE;
      }
      const { gateway, url } = started;
      // Only once started (a failure stays one line), and not for the demo, whose /admin route shows the precedence on purpose.
      const shadowed = demo ? undefined : shadowedEndpointsWarning(config.routes, gateway.paths);
      if (shadowed) io.stderr.write(`${shadowed}\n`);
      for (const warning of misspeltVariableWarnings(startRaw, io.env)) io.stderr.write(`${warning}\n`);
      io.stderr.write(banner(gateway, url, demo, devRelay, io.env));
      // The whole file is validated again, so the relay list follows exactly the start-up rules.
      const onHangUp = () => {
        reloadRelays(gateway.auth.pool, () => load().relays, gateway.app.log);
        reloadCertificate(gateway, gateway.app.log);
      };
      process.on('SIGHUP', onHangUp);
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          io.stderr.write(`${signal}: draining in-flight requests…\n`);
          resolve();
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
      process.off('SIGHUP', onHangUp);
      await gateway.close();
      return EXIT_OK;
    } finally {
      await demo?.upstream.close();
      await demo?.relay.close();
      await devRelay?.close();
    }
  });
}
