/**
 * Loading: a JSON file (or the embedded defaults), then environment overrides for secrets and
 * deployment knobs, then validation. Secrets can come from the environment or a file so that they
 * never need to be written into the config file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { ConfigInvalid } from '../errors.js';
import { readJsonFile } from './json-file.js';
import { RELAYS_CONFIG_FILE, readRelaysFile } from './relays.js';
import type { GatewayConfig } from './types.js';
import { validateConfig } from './validate.js';

/** Environment variables read by the gateway (documented in the README). */
export const ENV = {
  serviceKey: 'PORTAL_SERVICE_KEY',
  serviceKeyFile: 'PORTAL_SERVICE_KEY_FILE',
  host: 'PORTAL_GATEWAY_HOST',
  port: 'PORTAL_GATEWAY_PORT',
  dataDir: 'PORTAL_DATA_DIR',
  logLevel: 'PORTAL_LOG_LEVEL',
  relays: 'PORTAL_RELAYS',
  relaysConfig: 'PORTAL_RELAYS_CONFIG',
  adminSecret: 'PORTAL_ADMIN_SECRET',
} as const;

type Env = Record<string, string | undefined>;

/** Parse a config file, reporting a JSON syntax error with the file name. */
export const readConfigFile = readJsonFile;

function readSecretFile(path: string, variable: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new ConfigInvalid([`${variable}: the file cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
}

/** Apply environment overrides to a raw (unvalidated) config document. */
export function applyEnvironment(raw: unknown, env: Env): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const doc = { ...(raw as Record<string, unknown>) };
  const listen = { ...((doc.listen as Record<string, unknown> | undefined) ?? {}) };
  if (env[ENV.host]) listen.host = env[ENV.host];
  if (env[ENV.port]) {
    const port = Number(env[ENV.port]);
    if (!Number.isInteger(port)) throw new ConfigInvalid([`${ENV.port}: must be an integer port number`]);
    listen.port = port;
  }
  if (Object.keys(listen).length > 0) doc.listen = listen;
  if (env[ENV.dataDir]) doc.dataDir = env[ENV.dataDir];
  if (env[ENV.logLevel]) doc.logLevel = env[ENV.logLevel];
  if (env[ENV.relays]) doc.relays = env[ENV.relays]!.split(',').map((url) => url.trim()).filter(Boolean);
  else if (doc.relays === undefined) {
    const file = env[ENV.relaysConfig] ?? RELAYS_CONFIG_FILE;
    // The default file is optional (logins then fail with a clear error); a named one must exist.
    if (env[ENV.relaysConfig] || existsSync(file)) doc.relays = readRelaysFile(file);
  }
  if (env[ENV.adminSecret]) doc.admin = { ...((doc.admin as Record<string, unknown> | undefined) ?? {}), secret: env[ENV.adminSecret] };
  if (env[ENV.serviceKey]) doc.serviceKey = env[ENV.serviceKey];
  else if (env[ENV.serviceKeyFile]) doc.serviceKey = readSecretFile(env[ENV.serviceKeyFile]!, ENV.serviceKeyFile);
  return doc;
}

/** Load, override from the environment and validate. */
export function loadConfig(raw: unknown, env: Env = process.env): GatewayConfig {
  return validateConfig(applyEnvironment(raw, env));
}
