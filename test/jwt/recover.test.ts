/**
 * Signer recovery (flow B) on both crypto backends. The answers are checked by verifiers nobody here
 * wrote: every recovered key must verify the token with jose@5 and with node:crypto (OpenSSL).
 */
import { createPublicKey, verify as opensslVerify } from 'node:crypto';
import { SignJWT, importJWK, jwtVerify, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Es256kBackend } from '../../src/keys/es256k.js';
import { BACKEND_NAMES, loadJwtModules, type JwtModules } from '../support/jwt-backends.js';
import { createPrng } from '../support/prng.js';
import {
  N,
  b64u,
  highSTwin,
  isHighSToken,
  offCurveX,
  opensslVerifyToken,
  parityOf,
  privateJwk,
  publicJwk,
  randomSecretHex,
  toHex32,
  xOnlyOf,
} from '../support/secp256k1-reference.js';

const prng = createPrng(91);
const BASE_NOW = 1_750_000_000;
/** SPKI DER prefix of a compressed secp256k1 point, so OpenSSL can load any recovered point as it is. */
const SPKI_COMPRESSED = Buffer.from('3036301006072a8648ce3d020106052b8104000a032200', 'hex');

async function joseAccepts(token: string, xOnlyHex: string, nowSec: number): Promise<boolean> {
  const key = await importJWK(publicJwk(xOnlyHex) as JWK, 'ES256K');
  await jwtVerify(token, key, { algorithms: ['ES256K'], currentDate: new Date(nowSec * 1000) });
  return true;
}

function signingInputAndSignature(token: string) {
  const lastDot = token.lastIndexOf('.');
  return {
    signingInput: Buffer.from(token.slice(0, lastDot), 'latin1'),
    signature: Buffer.from(token.slice(lastDot + 1), 'base64url'),
  };
}

function withSignature(token: string, signature: Uint8Array): string {
  return `${token.slice(0, token.lastIndexOf('.'))}.${b64u(signature)}`;
}

describe.each(BACKEND_NAMES)('signer recovery with the %s backend', (backendName) => {
  let m: JwtModules;
  beforeAll(async () => {
    m = await loadJwtModules(backendName);
  });

  it('finds the signer of tokens we issue, for keys of both y parities; every key it returns verifies with jose and OpenSSL', async () => {
    const parities = { even: 0, odd: 0 };
    let twoCandidates = 0;
    for (let i = 0; i < 24; i++) {
      const secret = randomSecretHex(prng.bytes);
      parities[parityOf(secret)]++;
      const now = BASE_NOW + prng.int(1_000_000);
      const token = m.api.issueJwt(secret, xOnlyOf(randomSecretHex(prng.bytes)), 1, { now });
      const recovered = m.recover.recoverJwtSigners(token);
      expect(recovered).toContain(xOnlyOf(secret));
      expect(new Set(recovered).size).toBe(recovered.length);
      expect(recovered.length).toBeLessThanOrEqual(2);
      if (recovered.length === 2) twoCandidates++;
      for (const key of recovered) {
        expect(key).toMatch(/^[0-9a-f]{64}$/);
        expect(opensslVerifyToken(token, key)).toBe(true);
        expect(await joseAccepts(token, key, now)).toBe(true);
      }
    }
    // Both halves of the negation rule, and tokens with a second even-y candidate, were exercised.
    expect(parities.even).toBeGreaterThan(3);
    expect(parities.odd).toBeGreaterThan(3);
    expect(twoCandidates).toBeGreaterThan(0);
  });

  it('finds the signer of tokens jose@5 signs (OpenSSL nonces: high-S and low-S), for keys of both parities', async () => {
    const seen = { highS: 0, lowS: 0, even: 0, odd: 0 };
    for (let i = 0; i < 32; i++) {
      const secret = randomSecretHex(prng.bytes);
      seen[parityOf(secret)]++;
      const iat = BASE_NOW + prng.int(1_000_000);
      const claims = { exp: iat + 3600, nbf: iat, iat, target_key: xOnlyOf(randomSecretHex(prng.bytes)) };
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256K' })
        .sign(await importJWK(privateJwk(secret) as JWK, 'ES256K'));
      seen[isHighSToken(token) ? 'highS' : 'lowS']++;
      const recovered = m.recover.recoverJwtSigners(token);
      expect(recovered).toContain(xOnlyOf(secret));
      for (const key of recovered) {
        expect(opensslVerifyToken(token, key)).toBe(true);
        expect(m.api.verifyJwt(key, token, { now: iat })).toEqual(claims);
      }
    }
    expect(seen.highS).toBeGreaterThan(3);
    expect(seen.lowS).toBeGreaterThan(3);
    expect(seen.even).toBeGreaterThan(3);
    expect(seen.odd).toBeGreaterThan(3);
  });

  it('recovers the same keys from a high-S twin as from the original', () => {
    for (let i = 0; i < 8; i++) {
      const token = m.api.issueJwt(randomSecretHex(prng.bytes), xOnlyOf(randomSecretHex(prng.bytes)), 1, {
        now: BASE_NOW,
      });
      const twin = highSTwin(token);
      expect(isHighSToken(twin)).toBe(true);
      expect([...m.recover.recoverJwtSigners(twin)].sort()).toEqual([...m.recover.recoverJwtSigners(token)].sort());
    }
  });

  it('the backend recovers both points, odd y included, each verifying with OpenSSL; recoverSigners keeps the even-y ones', () => {
    let oddDropped = 0;
    for (let i = 0; i < 16; i++) {
      const token = m.api.issueJwt(randomSecretHex(prng.bytes), xOnlyOf(randomSecretHex(prng.bytes)), 1, {
        now: BASE_NOW,
      });
      const { signingInput, signature } = signingInputAndSignature(token);
      const points = m.es256k.recoverEs256k(signingInput, signature);
      expect(points).toHaveLength(2);
      for (const point of points) {
        // OpenSSL loads the full point (either parity) and must accept the signature with it.
        const key = createPublicKey({ key: Buffer.concat([SPKI_COMPRESSED, point]), format: 'der', type: 'spki' });
        expect(opensslVerify('sha256', signingInput, { key, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
      }
      const even = points.filter((p) => p[0] === 0x02).map((p) => Buffer.from(p.subarray(1)).toString('hex'));
      oddDropped += points.length - even.length;
      expect(m.recover.recoverJwtSigners(token).sort()).toEqual(even.sort());
    }
    expect(oddDropped).toBeGreaterThan(0);
  });

  it('recovers no key from signatures that cannot be recovered', () => {
    const token = m.api.issueJwt(randomSecretHex(prng.bytes), xOnlyOf(randomSecretHex(prng.bytes)), 1, {
      now: BASE_NOW,
    });
    const { signature } = signingInputAndSignature(token);
    const r = signature.subarray(0, 32);
    const s = signature.subarray(32);
    const hex = (value: bigint) => Buffer.from(toHex32(value), 'hex');
    const cases: Record<string, Buffer> = {
      'a 63-byte signature': signature.subarray(0, 63),
      'a 65-byte signature': Buffer.concat([signature, Buffer.from([0])]),
      'r = 0': Buffer.concat([hex(0n), s]),
      's = 0': Buffer.concat([r, hex(0n)]),
      'r = n': Buffer.concat([hex(N), s]),
      's = n': Buffer.concat([r, hex(N)]),
      'r not the x of any curve point': Buffer.concat([Buffer.from(offCurveX(toHex32(1n)), 'hex'), s]),
    };
    for (const [name, bad] of Object.entries(cases)) {
      expect(m.recover.recoverJwtSigners(withSignature(token, bad)), name).toEqual([]);
    }
  });

  it('a changed payload recovers to other keys, never to the signer', () => {
    const secret = randomSecretHex(prng.bytes);
    const token = m.api.issueJwt(secret, xOnlyOf(randomSecretHex(prng.bytes)), 1, { now: BASE_NOW });
    const other = m.api.issueJwt(secret, xOnlyOf(randomSecretHex(prng.bytes)), 1, { now: BASE_NOW + 1 });
    const spliced = `${other.slice(0, other.lastIndexOf('.'))}${token.slice(token.lastIndexOf('.'))}`;
    const recovered = m.recover.recoverJwtSigners(spliced);
    expect(recovered.length).toBeGreaterThan(0);
    expect(recovered).not.toContain(xOnlyOf(secret));
  });

  it("throws the strict profile's typed errors for tokens that are not well-formed", () => {
    expect(() => m.recover.recoverJwtSigners('not-a-token')).toThrow(m.api.JwtMalformed);
    expect(() => m.recover.recoverJwtSigners(`${b64u('{"alg":"HS256"}')}.${b64u('{}')}.${b64u('x')}`)).toThrow(
      m.api.JwtAlgorithmNotAllowed,
    );
  });
});

describe('the two backends recover the same points', () => {
  it('for tokens signed by random keys', async () => {
    const m = await loadJwtModules('native');
    const [native, portable] = m.es256k.availableBackends as [Es256kBackend, Es256kBackend];
    for (let i = 0; i < 32; i++) {
      const token = m.api.issueJwt(randomSecretHex(prng.bytes), xOnlyOf(randomSecretHex(prng.bytes)), 1, {
        now: BASE_NOW,
      });
      const { signingInput, signature } = signingInputAndSignature(token);
      const hexes = (backend: Es256kBackend) =>
        m.es256k.recoverEs256k(signingInput, signature, backend).map((p) => Buffer.from(p).toString('hex'));
      expect(hexes(portable)).toEqual(hexes(native));
      expect(hexes(native)).toHaveLength(2);
    }
  });
});
