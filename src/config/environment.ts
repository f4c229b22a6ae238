/**
 * Every setting from the environment: a config key's variable is `PORTAL_` + its path in upper snake
 * case (`tokens.accessTtlSec` → `PORTAL_TOKENS_ACCESS_TTL_SEC`). The keys come from the validator
 * (configKeys), so a key added there gets its variable with no change here. `<VARIABLE>_FILE` names a
 * file holding the value (for secrets: Docker and Kubernetes mount them as files). A value is used as
 * text, as JSON or as a comma-separated list, whichever the validator accepts for that key.
 */
import { readFileSync } from 'node:fs';
import { ConfigInvalid } from '../errors.js';
import { configKeys, KEY_ALIASES, validateConfig } from './validate.js';

type Env = Record<string, string | undefined>;
type Json = Record<string, unknown>;

export const ENV_PREFIX = 'PORTAL_';
/** The file of the configuration (`serve` and `check-config`; `--config` wins). */
export const CONFIG_FILE_ENV = 'PORTAL_CONFIG';
export const FILE_SUFFIX = '_FILE';

/** Names from before every key had its variable; the generic name wins when both are set. */
export const ENV_ALIASES: Readonly<Record<string, string>> = {
  PORTAL_GATEWAY_HOST: 'PORTAL_LISTEN_HOST',
  PORTAL_GATEWAY_PORT: 'PORTAL_LISTEN_PORT',
};

/** `tokens.accessTtlSec` → `PORTAL_TOKENS_ACCESS_TTL_SEC`. */
export function variableName(path: string): string {
  const snake = path
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/\./g, '_');
  return ENV_PREFIX + snake.toUpperCase();
}

/** Every key path the validator accepts for `doc`, objects before the keys inside them. */
export function configKeyPaths(doc: Json): string[] {
  const paths: string[] = [];
  for (const [objectPath, known] of configKeys(doc)) {
    for (const key of known) {
      const path = objectPath ? `${objectPath}.${key}` : key;
      // Only plain names make variables (`$schema` has none), and an older alias shares its key's.
      if (/^[A-Za-z][A-Za-z0-9]*$/.test(key) && KEY_ALIASES[path] === undefined) paths.push(path);
    }
  }
  return [...new Set(paths)].sort((a, b) => a.split('.').length - b.split('.').length);
}

/** A value given in the environment, and the variable it came from (named in error messages). */
interface Given {
  text: string;
  variable: string;
}

function readValueFile(path: string, variable: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new ConfigInvalid([
      `${variable}: the file cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    ]);
  }
}

/** The variable that sets `variable`'s key: itself, else an alias, else its `_FILE` form; empty values count as unset. */
function settingName(env: Env, variable: string): string | undefined {
  const names = [
    variable,
    ...Object.keys(ENV_ALIASES).filter((alias) => ENV_ALIASES[alias] === variable),
    variable + FILE_SUFFIX,
  ];
  return names.find((name) => env[name]);
}

/** Which variable sets the key at `path` (e.g. `PORTAL_SERVICE_KEY_FILE` for serviceKey), if any. */
export function settingVariable(env: Env, path: string): string | undefined {
  return settingName(env, variableName(path));
}

function given(env: Env, variable: string): Given | undefined {
  const name = settingName(env, variable);
  if (name === undefined) return undefined;
  return { text: name === variable + FILE_SUFFIX ? readValueFile(env[name]!, name) : env[name]!, variable: name };
}

function setPath(doc: Json, path: string, value: unknown): void {
  const keys = path.split('.');
  let object = doc;
  for (const key of keys.slice(0, -1)) {
    const inner = object[key];
    if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) object[key] = {};
    else object[key] = { ...(inner as Json) }; // the caller's objects are never changed
    object = object[key] as Json;
  }
  object[keys.at(-1)!] = value;
}

/** `problem` is about `path` or something inside it (`listen.port: …`, `routes[0].auth: …`). */
function isAbout(problem: string, path: string): boolean {
  return problem.startsWith(path) && /^[:.[]/.test(problem.slice(path.length));
}

function problemsAbout(doc: Json, path: string): string[] {
  try {
    validateConfig(doc);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigInvalid)) throw error;
    return error.problems.filter((problem) => isAbout(problem, path));
  }
}

type Parsed = { ok: true; value: unknown } | { ok: false; problem: string };

function parseJson(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    // V8 quotes the input in its message: keep only the position, the value may be a secret.
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    return { ok: false, problem: `is not valid JSON${position ? ` (at position ${position})` : ''}` };
  }
}

/**
 * Sets the key to the first reading of `text` the validator accepts: the text, its JSON value, or
 * a comma-separated list. When none is accepted, the reading whose problems say most is kept (JSON,
 * else the list when there is a comma, else the text), so that validation reports it.
 */
function setFromText(doc: Json, path: string, { text, variable }: Given): string | undefined {
  const json = parseJson(text);
  const list = text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  const structured = json.ok && typeof json.value !== 'string';
  const readings = [text, ...(structured ? [json.value] : []), list];
  for (const value of readings) {
    setPath(doc, path, value);
    if (problemsAbout(doc, path).length === 0) return undefined;
  }
  if (!json.ok && /^\s*[[{]/.test(text)) return `${variable}: ${json.problem}`;
  setPath(doc, path, structured ? json.value : text.includes(',') ? list : text);
  return undefined;
}

export interface EnvironmentApplied {
  doc: unknown;
  /** Key path → the variable that set it. */
  sources: Map<string, string>;
}

/**
 * Applies the environment to a raw (unvalidated) config document; the document given is not changed.
 * Keys the validator reads only inside an object that is present (one a variable may have just set)
 * are found by repeating until no new variable applies.
 */
export function applyEnvironment(raw: unknown, env: Env): EnvironmentApplied {
  const sources = new Map<string, string>();
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { doc: raw, sources };
  const doc = { ...(raw as Json) };
  const problems: string[] = [];
  for (let found = true; found;) {
    found = false;
    for (const path of configKeyPaths(doc)) {
      if (sources.has(path)) continue;
      const value = given(env, variableName(path));
      if (value === undefined) continue;
      found = true;
      sources.set(path, value.variable);
      const problem = setFromText(doc, path, value);
      if (problem) problems.push(problem);
    }
  }
  if (problems.length > 0) throw new ConfigInvalid(problems);
  return { doc, sources };
}

/**
 * A ConfigInvalid found after loading (a file a setting names cannot be read or is no key) with each
 * problem about a key a variable set saying so (`assertion.keyFile: cannot read … (set by
 * PORTAL_ASSERTION_KEY_FILE)`): the key is what the documentation calls it, the variable what the operator
 * set. Anything else unchanged.
 */
export function namedAfterVariables(error: unknown, env: Env): unknown {
  if (!(error instanceof ConfigInvalid)) return error;
  let renamed = false;
  const problems = error.problems.map((problem) => {
    const path = /^[A-Za-z][\w.]*(?=: )/.exec(problem)?.[0];
    const variable = path === undefined ? undefined : settingVariable(env, path);
    if (path === undefined || variable === undefined) return problem;
    renamed = true;
    return `${problem} (set by ${variable})`;
  });
  return renamed ? new ConfigInvalid(problems) : error;
}

/** Renames a validation problem after the variable its key came from (`PORTAL_LISTEN_PORT: must be …`). */
export function nameVariable(problem: string, sources: ReadonlyMap<string, string>): string {
  let best: [string, string] | undefined;
  for (const [path, variable] of sources) {
    if (isAbout(problem, path) && (best === undefined || path.length > best[0].length)) best = [path, variable];
  }
  if (best === undefined) return problem;
  const [path, variable] = best;
  return problem.startsWith(`${path}: `) ? `${variable}: ${problem.slice(path.length + 2)}` : `${variable}: ${problem}`;
}
