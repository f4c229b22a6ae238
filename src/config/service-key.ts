/**
 * The gateway's identity. A configured key is used as is; otherwise a key is generated once and kept
 * in the data directory (mode 0600), so a restart keeps the same npub.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigInvalid, KeyInvalid } from '../errors.js';
import { randomSecret } from '../keys/es256k.js';
import { parseSecretKey } from '../keys/nostr-keys.js';

export const SERVICE_KEY_FILE = 'service-key';

/** The service key as configured or kept: the gateway derives its identity from it once (createServiceIdentity). */
export interface ServiceKey {
  /** The secret key's 32 bytes, checked to be a valid scalar. Never log it. */
  secretKey: Uint8Array;
  /** Where it came from, for the start-up banner. */
  source: 'config' | 'data-dir' | 'generated';
  /** File holding the key when it lives in the data directory. */
  path?: string;
}

function fromSecret(secret: string, source: ServiceKey['source'], path?: string): ServiceKey {
  return {
    secretKey: parseSecretKey(secret, source === 'config' ? 'serviceKey' : `service key file ${path}`),
    source,
    path,
  };
}

export function resolveServiceKey(configured: string | undefined, dataDir: string): ServiceKey {
  if (configured !== undefined) return fromSecret(configured, 'config');
  const path = join(dataDir, SERVICE_KEY_FILE);
  let existing: string | undefined;
  try {
    existing = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ConfigInvalid([`dataDir: cannot read ${path} (${(error as NodeJS.ErrnoException).code})`]);
    }
  }
  if (existing !== undefined) {
    try {
      return fromSecret(existing, 'data-dir', path);
    } catch (error) {
      if (error instanceof KeyInvalid)
        throw new ConfigInvalid([`dataDir: ${path} does not hold a valid secret key (${error.message})`]);
      throw error;
    }
  }
  const secretKey = randomSecret();
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(path, `${Buffer.from(secretKey).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    throw new ConfigInvalid([`dataDir: cannot write ${path} (${(error as NodeJS.ErrnoException).code})`]);
  }
  return { secretKey, source: 'generated', path };
}
