/**
 * Loading: a JSON file (or nothing: the environment alone, or the embedded defaults), then the
 * environment (src/config/environment.ts), then validation. Problems with a value from the
 * environment name its variable.
 */
import { existsSync } from 'node:fs';
import { ConfigInvalid } from '../errors.js';
import {
  applyEnvironment,
  CONFIG_FILE_ENV,
  configKeyPaths,
  ENV_ALIASES,
  ENV_PREFIX,
  FILE_SUFFIX,
  nameVariable,
  variableName,
} from './environment.js';
import { closestName } from './closest-name.js';
import { readJsonFile } from './json-file.js';
import { RELAYS_CONFIG_FILE, readRelaysFile } from './relays.js';
import type { GatewayConfig } from './types.js';
import { validateConfig } from './validate.js';

/** Path of a relays file used when neither the config nor PORTAL_RELAYS names relays. */
export const RELAYS_CONFIG_ENV = 'PORTAL_RELAYS_CONFIG';

type Env = Record<string, string | undefined>;

/** Parse a config file, reporting a JSON syntax error with the file name. */
export const readConfigFile = readJsonFile;

/**
 * Where the configuration comes from: `--config`, else the file named by PORTAL_CONFIG, else the
 * environment alone when it names routes (the container case), else the embedded demo defaults.
 */
export type ConfigSource = { file: string } | 'environment' | 'embedded';

export function configSource(flag: string | undefined, env: Env): ConfigSource {
  const file = flag ?? (env[CONFIG_FILE_ENV] || undefined);
  if (file !== undefined) return { file };
  const routes = variableName('routes');
  return env[routes] || env[routes + FILE_SUFFIX] ? 'environment' : 'embedded';
}

/** The raw document of a file source; the environment alone starts from an empty one. */
export function readConfigSource(source: ConfigSource): unknown {
  return typeof source === 'object' ? readConfigFile(source.file) : {};
}

/** Load, override from the environment and validate. */
export function loadConfig(raw: unknown, env: Env = process.env): GatewayConfig {
  const { doc, sources } = applyEnvironment(raw, env);
  if (
    typeof doc === 'object' &&
    doc !== null &&
    !Array.isArray(doc) &&
    (doc as { relays?: unknown }).relays === undefined
  ) {
    const file = env[RELAYS_CONFIG_ENV] || RELAYS_CONFIG_FILE;
    // The default file is optional (logins then fail with a clear error); a named one must exist.
    if (env[RELAYS_CONFIG_ENV] || existsSync(file)) (doc as { relays?: unknown }).relays = readRelaysFile(file);
  }
  try {
    return validateConfig(doc);
  } catch (error) {
    if (error instanceof ConfigInvalid)
      throw new ConfigInvalid(error.problems.map((problem) => nameVariable(problem, sources)));
    throw error;
  }
}

/** `PORTAL_*` variables that are read but set no config key. */
const OTHER_VARIABLES = [CONFIG_FILE_ENV, RELAYS_CONFIG_ENV, 'PORTAL_GATEWAY_CRYPTO'];

/**
 * One warning line per `PORTAL_*` variable that sets nothing but is one typo away from a variable that
 * would (`PORTAL_LISTEN_PROT` for `PORTAL_LISTEN_PORT`): such a setting would otherwise be lost without a
 * word. Variables far from every name (`PORTAL_ACCESS_TOKEN` of `portal-gateway login`) are left alone.
 */
export function misspeltVariableWarnings(raw: unknown, env: Env = process.env): string[] {
  let doc: unknown = raw;
  try {
    doc = applyEnvironment(raw, env).doc;
  } catch {
    // Bad values are loadConfig's to report; the names are still worth checking.
  }
  const keys =
    typeof doc === 'object' && doc !== null && !Array.isArray(doc)
      ? configKeyPaths(doc as Record<string, unknown>)
      : [];
  const known = new Set([...OTHER_VARIABLES, ...Object.keys(ENV_ALIASES)]);
  for (const path of keys) known.add(variableName(path));
  for (const name of [...known]) known.add(name + FILE_SUFFIX);
  const candidates = [...known];
  const warnings: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith(ENV_PREFIX) || known.has(name) || !env[name]) continue;
    const meant = closestName(name, candidates);
    if (meant !== undefined) warnings.push(`warning: ${name} is not a setting and is ignored; did you mean ${meant}?`);
  }
  return warnings;
}
