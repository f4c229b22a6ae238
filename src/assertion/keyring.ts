/**
 * The keys that sign identity assertions, as kept on disk. By default `dataDir/assertion-keys.json`
 * (mode 0600): the current key first, then keys retired by `portal-gateway assertion-key rotate`, each
 * still published until `retiredAt` + ttlSec + 5 minutes so that assertions it signed keep verifying.
 * Or one key given by `assertion.keyFile` (PEM or JWK), which the operator rotates by replacing the file.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigInvalid } from '../errors.js';
import type { AssertionAlg } from '../config/types.js';

export const ASSERTION_KEYS_FILE = 'assertion-keys.json';
/** How long past `ttlSec` a retired key stays published: covers clock skew and JWKS caches. */
export const RETIRED_KEY_GRACE_SEC = 300;

const CURVE = {
  ES256: { jwk: 'P-256', openssl: 'prime256v1' },
  ES256K: { jwk: 'secp256k1', openssl: 'secp256k1' },
} as const;

export interface PublicJwk {
  kty: 'EC';
  crv: string;
  x: string;
  y: string;
  kid: string;
  alg: AssertionAlg;
  use: 'sig';
}

export interface AssertionKey {
  /** RFC 7638 thumbprint of the public key. */
  readonly kid: string;
  readonly alg: AssertionAlg;
  readonly privateKey: KeyObject;
  readonly publicJwk: PublicJwk;
  /** Unix seconds; absent for the current key. */
  readonly retiredAt?: number;
}

interface StoredKey {
  alg: AssertionAlg;
  /** Private JWK. */
  jwk: JsonWebKey;
  createdAt: number;
  retiredAt?: number;
}

export interface StoredKeyring {
  keys: StoredKey[];
}

/** RFC 7638: SHA-256 over the required members in lexicographic order, base64url. */
export function jwkThumbprint(jwk: { crv: string; x: string; y: string }): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: 'EC', x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}

function algOfCurve(namedCurve: string | undefined): AssertionAlg | undefined {
  return (Object.keys(CURVE) as AssertionAlg[]).find((alg) => CURVE[alg].openssl === namedCurve);
}

/** Wrap a private key; throws a plain Error when its curve is not the one `alg` needs. */
export function assertionKey(privateKey: KeyObject, alg: AssertionAlg, retiredAt?: number): AssertionKey {
  const curve = privateKey.asymmetricKeyDetails?.namedCurve;
  if (privateKey.type !== 'private' || algOfCurve(curve) !== alg) {
    throw new Error(
      `holds ${privateKey.type === 'private' ? `a ${curve ?? privateKey.asymmetricKeyType} key` : 'no private key'}; ${alg} needs a ${CURVE[alg].jwk} private key`,
    );
  }
  const { crv, x, y } = createPublicKey(privateKey).export({ format: 'jwk' }) as { crv: string; x: string; y: string };
  const kid = jwkThumbprint({ crv, x, y });
  return {
    kid,
    alg,
    privateKey,
    publicJwk: { kty: 'EC', crv, x, y, kid, alg, use: 'sig' },
    ...(retiredAt === undefined ? {} : { retiredAt }),
  };
}

export function generateStoredKey(alg: AssertionAlg, now: number): StoredKey {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: CURVE[alg].jwk });
  return { alg, jwk: privateKey.export({ format: 'jwk' }), createdAt: now };
}

/** A new current key; the previous one is retired now, keys retired long enough ago are dropped. */
export function rotateKeyring(
  ring: StoredKeyring | undefined,
  alg: AssertionAlg,
  ttlSec: number,
  now: number,
): StoredKeyring {
  const kept = (ring?.keys ?? [])
    .map((key) => (key.retiredAt === undefined ? { ...key, retiredAt: now } : key))
    .filter((key) => key.retiredAt! + ttlSec + RETIRED_KEY_GRACE_SEC > now);
  return { keys: [generateStoredKey(alg, now), ...kept] };
}

export function keyringPath(dataDir: string): string {
  return join(dataDir, ASSERTION_KEYS_FILE);
}

/** The keyring in the data directory, or undefined when there is none yet. */
export function readKeyring(path: string): StoredKeyring | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigInvalid([`dataDir: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  try {
    const ring = JSON.parse(text) as StoredKeyring;
    if (!Array.isArray(ring.keys) || ring.keys.length === 0) throw new Error('no keys');
    return ring;
  } catch {
    throw new ConfigInvalid([
      `dataDir: ${path} is not an assertion keyring (move it away to have a new key generated)`,
    ]);
  }
}

/** Written to a temporary file and renamed, so a reader never sees half a file. */
export function writeKeyring(path: string, dataDir: string, ring: StoredKeyring): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(temporary, JSON.stringify(ring, null, 2) + '\n', { mode: 0o600 });
    renameSync(temporary, path);
  } catch (error) {
    throw new ConfigInvalid([`dataDir: cannot write ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
}

export function keysOfRing(ring: StoredKeyring): AssertionKey[] {
  return ring.keys.map((stored) =>
    assertionKey(createPrivateKey({ key: stored.jwk, format: 'jwk' }), stored.alg, stored.retiredAt),
  );
}

/** The key of `assertion.keyFile`: PEM (PKCS#8 or SEC1) or a private JWK. */
export function readKeyFile(path: string, alg: AssertionAlg): AssertionKey {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigInvalid([
      `assertion.keyFile: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    ]);
  }
  let privateKey: KeyObject;
  try {
    const trimmed = text.trim();
    privateKey = trimmed.startsWith('{')
      ? createPrivateKey({ key: JSON.parse(trimmed) as JsonWebKey, format: 'jwk' })
      : createPrivateKey(trimmed);
  } catch {
    throw new ConfigInvalid([`assertion.keyFile: ${path} is not a PEM or JWK private key`]);
  }
  try {
    return assertionKey(privateKey, alg);
  } catch (error) {
    throw new ConfigInvalid([`assertion.keyFile: ${path} ${(error as Error).message}`]);
  }
}
