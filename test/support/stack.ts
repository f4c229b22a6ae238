/**
 * The stack most integration tests run against, all real: a relay process, the echo upstream, and a
 * gateway configured on them (in this process, or as a process of the built CLI), once the gateway's relay
 * connection is open. `close()` stops whatever was started, gateway first, also after a failed start.
 */
import { startEchoUpstream, type EchoUpstream } from './echo-upstream.js';
import { startGatewayProcess, type GatewayProcess } from './gateway-process.js';
import type { GatewayOptions } from '../../src/server.js';
import { startGateway, type RunningGateway } from './gateway.js';
import { waitForRelay } from './login-client.js';
import { startRelayProcess, type RelayProcess } from './relay-process.js';

export interface StackParts {
  relay: RelayProcess;
  upstream: EchoUpstream;
}

export interface Stack<G> extends StackParts {
  gw: G;
  close(): Promise<void>;
}

/** The config of the gateway, given the relay and the upstream it runs on. */
export type StackConfig = (parts: StackParts) => Record<string, unknown>;

/** A stack whose gateway runs in this process (createGateway, with `options`: e.g. a clock the test moves). */
export function startStack(
  config: StackConfig,
  options: Omit<GatewayOptions, 'logStream'> = {},
): Promise<Stack<RunningGateway>> {
  return startStackWith(
    config,
    (raw) => startGateway(raw, options),
    (gw) => gw.close(),
  );
}

/** A stack whose gateway is a process of the built CLI, with `env` added to its environment. */
export function startProcessStack(
  config: StackConfig,
  env: Record<string, string> = {},
): Promise<Stack<GatewayProcess>> {
  return startStackWith(
    config,
    (raw) => startGatewayProcess(raw, env),
    (gw) => gw.stop(),
  );
}

async function startStackWith<G extends { url: string }>(
  config: StackConfig,
  start: (raw: Record<string, unknown>) => Promise<G>,
  stop: (gw: G) => Promise<void>,
): Promise<Stack<G>> {
  let relay: RelayProcess | undefined;
  let upstream: EchoUpstream | undefined;
  let gw: G | undefined;
  const close = async () => {
    if (gw) await stop(gw);
    await Promise.all([upstream?.close(), relay?.stop()]);
  };
  try {
    [relay, upstream] = await Promise.all([startRelayProcess(), startEchoUpstream()]);
    const raw = config({ relay, upstream });
    gw = await start(raw);
    await waitForRelay(gw.url + (typeof raw.gatewayPrefix === 'string' ? raw.gatewayPrefix : ''));
    return { relay, upstream, gw, close };
  } catch (error) {
    await close();
    throw error;
  }
}
