/**
 * Assertion keys on disk: RFC 7638 key ids (checked against jose), a key generated once and kept with
 * mode 0600, rotation keeping the previous key published for ttlSec + 5 minutes, `assertion.alg`
 * changes, and `assertion.keyFile` in PEM or JWK form with clear errors for anything else.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calculateJwkThumbprint } from 'jose';
import { describe, expect, it } from 'vitest';
import { AssertionKeys } from '../../src/assertion/assertion-keys.js';
import {
  RETIRED_KEY_GRACE_SEC,
  keyringPath,
  readKeyring,
  rotateKeyring,
  writeKeyring,
} from '../../src/assertion/keyring.js';
import type { AssertionConfig } from '../../src/config/types.js';
import { ConfigInvalid } from '../../src/errors.js';

const config = (overrides: Partial<AssertionConfig> = {}): AssertionConfig => ({
  enabled: true,
  alg: 'ES256',
  ttlSec: 60,
  ...overrides,
});
const freshDir = () => mkdtempSync(join(tmpdir(), 'portal-assertion-keys-'));

function problemOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigInvalid);
    return (error as ConfigInvalid).problems.join('\n');
  }
  throw new Error('expected ConfigInvalid');
}

describe('assertion keys', () => {
  it('names each key by its RFC 7638 thumbprint, as jose computes it', async () => {
    for (const alg of ['ES256', 'ES256K'] as const) {
      const keys = new AssertionKeys(config({ alg }), freshDir());
      const [jwk] = keys.published();
      expect(jwk).toMatchObject({ kty: 'EC', crv: alg === 'ES256' ? 'P-256' : 'secp256k1', alg, use: 'sig' });
      expect(jwk!.kid).toBe(await calculateJwkThumbprint({ kty: 'EC', crv: jwk!.crv, x: jwk!.x, y: jwk!.y }, 'sha256'));
      expect(jwk).not.toHaveProperty('d');
      keys.close();
    }
  });

  it('generates the key once, keeps it in the data directory with mode 0600, and loads it again on the next start', () => {
    const dataDir = freshDir();
    const first = new AssertionKeys(config(), dataDir);
    const kid = first.current().kid;
    first.close();
    expect(statSync(keyringPath(dataDir)).mode & 0o777).toBe(0o600);
    const second = new AssertionKeys(config(), dataDir);
    expect(second.current().kid).toBe(kid);
    expect(second.published().map((k) => k.kid)).toEqual([kid]);
    second.close();
  });

  it('rotation makes a new current key and keeps the previous one published for ttlSec + 5 minutes', () => {
    const dataDir = freshDir();
    const path = keyringPath(dataDir);
    const before = new AssertionKeys(config({ ttlSec: 60 }), dataDir);
    const oldKid = before.current().kid;
    before.close();
    const now = Math.floor(Date.now() / 1000);
    writeKeyring(path, dataDir, rotateKeyring(readKeyring(path), 'ES256', 60, now));
    const after = new AssertionKeys(config({ ttlSec: 60 }), dataDir);
    expect(after.current().kid).not.toBe(oldKid);
    expect(after.published(now + 60 + RETIRED_KEY_GRACE_SEC - 1).map((k) => k.kid)).toEqual([
      after.current().kid,
      oldKid,
    ]);
    expect(after.published(now + 60 + RETIRED_KEY_GRACE_SEC).map((k) => k.kid)).toEqual([after.current().kid]);
    after.close();
    // A later rotation drops keys whose window has passed.
    const later = rotateKeyring(readKeyring(path), 'ES256', 60, now + 60 + RETIRED_KEY_GRACE_SEC);
    expect(later.keys).toHaveLength(2);
  });

  it('a changed assertion.alg gets a new current key of that algorithm; the old one stays published', () => {
    const dataDir = freshDir();
    const es256 = new AssertionKeys(config(), dataDir);
    const oldKid = es256.current().kid;
    es256.close();
    const es256k = new AssertionKeys(config({ alg: 'ES256K' }), dataDir);
    expect(es256k.current().alg).toBe('ES256K');
    expect(es256k.published().map((k) => k.kid)).toEqual([es256k.current().kid, oldKid]);
    es256k.close();
  });

  it('picks up a rotation done while the gateway runs', async () => {
    const dataDir = freshDir();
    const keys = new AssertionKeys(config(), dataDir);
    const oldKid = keys.current().kid;
    const path = keyringPath(dataDir);
    writeKeyring(path, dataDir, rotateKeyring(readKeyring(path), 'ES256', 60, Math.floor(Date.now() / 1000)));
    await expect.poll(() => keys.current().kid, { timeout: 5000, interval: 100 }).not.toBe(oldKid);
    expect(keys.published().map((k) => k.kid)).toContain(oldKid);
    keys.close();
  });

  it('uses assertion.keyFile in PEM (PKCS#8 or SEC1) or JWK form, and writes nothing to the data directory', () => {
    const dir = freshDir();
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const forms = {
      'key.pem': privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
      'key.sec1.pem': privateKey.export({ format: 'pem', type: 'sec1' }) as string,
      'key.jwk': JSON.stringify(privateKey.export({ format: 'jwk' })),
    };
    const kids = Object.entries(forms).map(([name, text]) => {
      writeFileSync(join(dir, name), text);
      return new AssertionKeys(config({ keyFile: join(dir, name) }), join(dir, 'data')).current().kid;
    });
    expect(new Set(kids).size).toBe(1);
    expect(() => statSync(join(dir, 'data'))).toThrow();
  });

  it('reports a key file that is missing, not a key, or of the wrong curve in one line naming assertion.keyFile', () => {
    const dir = freshDir();
    expect(problemOf(() => new AssertionKeys(config({ keyFile: join(dir, 'absent.pem') }), dir))).toMatch(
      /^assertion\.keyFile: cannot read .*absent\.pem \(ENOENT\)$/,
    );
    writeFileSync(join(dir, 'junk.pem'), 'not a key');
    expect(problemOf(() => new AssertionKeys(config({ keyFile: join(dir, 'junk.pem') }), dir))).toMatch(
      /^assertion\.keyFile: .*junk\.pem is not a PEM or JWK private key$/,
    );
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    writeFileSync(join(dir, 'k1.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }));
    expect(problemOf(() => new AssertionKeys(config({ keyFile: join(dir, 'k1.pem') }), dir))).toMatch(
      /k1\.pem holds a secp256k1 key; ES256 needs a P-256 private key$/,
    );
    const publicOnly = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      format: 'pem',
      type: 'spki',
    }) as string;
    writeFileSync(join(dir, 'public.pem'), publicOnly);
    expect(problemOf(() => new AssertionKeys(config({ keyFile: join(dir, 'public.pem') }), dir))).toMatch(
      /^assertion\.keyFile: .*public\.pem is not a PEM or JWK private key$/,
    );
  });

  it('refuses a damaged keyring instead of replacing it', () => {
    const dataDir = freshDir();
    writeFileSync(keyringPath(dataDir), '{"keys": []}');
    expect(problemOf(() => new AssertionKeys(config(), dataDir))).toMatch(
      /^dataDir: .*assertion-keys\.json is not an assertion keyring/,
    );
    expect(readFileSync(keyringPath(dataDir), 'utf8')).toBe('{"keys": []}');
  });

  it('keeps the demo key in memory', () => {
    const dataDir = join(freshDir(), 'never-created');
    const keys = new AssertionKeys(config(), dataDir, { ephemeral: true });
    expect(keys.published()).toHaveLength(1);
    expect(() => statSync(dataDir)).toThrow();
  });
});
