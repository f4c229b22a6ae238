/**
 * Where the service key comes from, in words: serve's banner says where the key in use came from,
 * check-config where serve would take it from (without generating anything).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FILE_SUFFIX, settingVariable } from '../config/environment.js';
import { SERVICE_KEY_FILE, type ServiceKey } from '../config/service-key.js';
import type { GatewayConfig } from '../config/types.js';

type Env = Readonly<Record<string, string | undefined>>;

/** A configured key: set by PORTAL_SERVICE_KEY, by the file PORTAL_SERVICE_KEY_FILE names, else by the config file. */
function configuredOrigin(env: Env): string {
  const variable = settingVariable(env, 'serviceKey');
  if (variable === undefined) return 'from the configuration file';
  if (variable.endsWith(FILE_SUFFIX)) return `from the key file ${env[variable]} named by ${variable}`;
  return `from ${variable}`;
}

/** The key the gateway runs with. */
export function serviceKeyOrigin(key: Pick<ServiceKey, 'source' | 'path'>, env: Env): string {
  if (key.source === 'config') return configuredOrigin(env);
  if (key.source === 'data-dir') return `from the key file ${key.path}`;
  return `new, kept in ${key.path}`;
}

/** The key serve would use with this configuration; nothing is read or written but a file's existence. */
export function plannedServiceKeyOrigin(config: GatewayConfig, env: Env): string {
  if (config.serviceKey !== undefined) return configuredOrigin(env);
  const path = join(config.dataDir, SERVICE_KEY_FILE);
  return existsSync(path) ? `from the key file ${path}` : `none yet: serve will generate one and keep it in ${path}`;
}
