/** Start a real gateway (listening on a loopback port) for integration tests, with its logs captured. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../../src/config/validate.js';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/server.js';

export interface RunningGateway {
  gateway: Gateway;
  url: string;
  /** Every log line written so far. */
  logs: string[];
  close(): Promise<void>;
}

/** `options`: createGateway's (a test's own clock, …); the log lines are always captured. */
export async function startGateway(
  rawConfig: Record<string, unknown>,
  options: Omit<GatewayOptions, 'logStream'> = {},
): Promise<RunningGateway> {
  const logs: string[] = [];
  const config = validateConfig({
    listen: { host: '127.0.0.1', port: 0 },
    dataDir: mkdtempSync(join(tmpdir(), 'portal-gateway-test-')),
    logLevel: 'info',
    ...rawConfig,
  });
  const gateway = await createGateway(config, {
    ...options,
    logStream: { write: (line: string) => void logs.push(line) },
  });
  const url = await gateway.listen();
  return { gateway, url, logs, close: () => gateway.close() };
}
