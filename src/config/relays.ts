/**
 * Relay lists: `relays.config.json` (`{ "relays": [{ "url": "wss://…" }, …] }` or a plain array of URLs),
 * overridden by a `relays` array in the gateway config or PORTAL_RELAYS (comma-separated).
 */
import { ConfigInvalid, InvalidArgument } from '../errors.js';
import { readJsonFile } from './json-file.js';

export const RELAYS_CONFIG_FILE = 'relays.config.json';

/** A problem with one relay URL, or undefined when it is a usable ws:// or wss:// URL. */
export function relayUrlProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return 'must be a ws:// or wss:// URL';
  try {
    const url = new URL(value);
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') return 'must be a ws:// or wss:// URL';
    if (url.username || url.password) return 'must not contain credentials';
    return undefined;
  } catch {
    return 'must be an absolute ws:// or wss:// URL';
  }
}

/** A relay URL that passes the one rule above (as at start-up); InvalidArgument otherwise, without quoting it. */
export function checkedRelayUrl(value: unknown): string {
  const problem = relayUrlProblem(value);
  if (problem) throw new InvalidArgument(`relay URL ${problem}`);
  return value as string;
}

/** Validate a relays document; problems name the file and the entry. */
export function parseRelaysDocument(doc: unknown, source: string): string[] {
  const entries = Array.isArray(doc) ? doc : (doc as { relays?: unknown } | null)?.relays;
  if (!Array.isArray(entries))
    throw new ConfigInvalid([`${source}: must be an array of relays or { "relays": [...] }`]);
  const problems: string[] = [];
  const urls: string[] = [];
  entries.forEach((entry, i) => {
    const url = typeof entry === 'object' && entry !== null ? (entry as { url?: unknown }).url : entry;
    const problem = relayUrlProblem(url);
    if (problem) problems.push(`${source}: relays[${i}] ${problem}`);
    else if (!urls.includes(url as string)) urls.push(url as string);
  });
  if (problems.length > 0) throw new ConfigInvalid(problems);
  return urls;
}

export function readRelaysFile(path: string): string[] {
  return parseRelaysDocument(readJsonFile(path), path);
}
