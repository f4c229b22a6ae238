/**
 * Cross-checks against implementations nobody here wrote: jose@5 (JWT library, OpenSSL underneath)
 * and node:crypto (OpenSSL) on keys computed with BigInt curve arithmetic. jose is laxer than the
 * strict profile (docs/protocol.md 2.8), so only valid tokens are compared with it.
 */
import { SignJWT, importJWK, jwtVerify, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { BACKEND_NAMES, loadJwtModules, type JwtModules } from '../support/jwt-backends.js';
import { createPrng } from '../support/prng.js';
import {
  isHighSToken,
  opensslVerifyToken,
  parityOf,
  privateJwk,
  publicJwk,
  randomSecretHex,
  xOnlyOf,
} from '../support/secp256k1-reference.js';
import { jwtVectors } from '../support/vectors.js';

const prng = createPrng(71);
const BASE_NOW = 1_750_000_000;

async function joseVerify(token: string, xOnlyHex: string, nowSec: number, clockToleranceSec = 60) {
  const key = await importJWK(publicJwk(xOnlyHex) as JWK, 'ES256K');
  const { payload, protectedHeader } = await jwtVerify(token, key, {
    algorithms: ['ES256K'],
    currentDate: new Date(nowSec * 1000),
    clockTolerance: clockToleranceSec,
  });
  return { payload, protectedHeader };
}

let modules: JwtModules[];
beforeAll(async () => {
  modules = [];
  for (const name of BACKEND_NAMES) modules.push(await loadJwtModules(name));
});

describe('tokens we issue verify with jose@5 and node:crypto', () => {
  it('for random keys of both y parities, random targets and random lifetimes, on both backends', async () => {
    const parities = { even: 0, odd: 0 };
    for (let i = 0; i < 64; i++) {
      const secret = randomSecretHex(prng.bytes);
      parities[parityOf(secret)]++;
      const issuer = xOnlyOf(secret);
      const target = xOnlyOf(randomSecretHex(prng.bytes));
      // Whole hours as Portal issues them, and fractional ones down to one second.
      const hours = i % 2 === 0 ? 1 + prng.int(24 * 365) : (1 + prng.int(360_000)) / 3600;
      const now = BASE_NOW + prng.int(100_000_000);
      const extraClaims = i % 4 === 0 ? { jti: prng.bytes(6).toString('hex'), permissions: ['read'] } : undefined;
      for (const m of modules) {
        const token = m.api.issueJwt(secret, target, hours, { now, extraClaims });
        const ours = m.api.verifyJwt(issuer, token, { now });
        expect(ours.target_key).toBe(target);
        expect(opensslVerifyToken(token, issuer)).toBe(true);
        const jose = await joseVerify(token, issuer, now);
        expect(jose.protectedHeader).toEqual({ alg: 'ES256K' });
        expect(jose.payload).toEqual(ours);
        expect(jose.payload).toEqual({
          exp: now + Math.max(1, Math.round(hours * 3600)),
          nbf: now,
          iat: now,
          target_key: target,
          ...extraClaims,
        });
      }
    }
    // Both halves of the negation rule were exercised.
    expect(parities.even).toBeGreaterThan(5);
    expect(parities.odd).toBeGreaterThan(5);
  });

  it('jose and OpenSSL reject the same token for the wrong key (the check is not vacuous)', async () => {
    const [m] = modules as [JwtModules];
    const secret = randomSecretHex(prng.bytes);
    const stranger = xOnlyOf(randomSecretHex(prng.bytes));
    const token = m.api.issueJwt(secret, stranger, 1, { now: BASE_NOW });
    expect(opensslVerifyToken(token, stranger)).toBe(false);
    await expect(joseVerify(token, stranger, BASE_NOW)).rejects.toThrow(/signature verification failed/);
  });
});

describe('every valid shared vector verifies with jose@5 and node:crypto', () => {
  const valid = jwtVectors.filter((v) => v.expect === 'valid');

  it('covers several valid vectors, high-S and odd-y issuers among them', () => {
    expect(valid.length).toBeGreaterThanOrEqual(5);
    expect(valid.some((v) => isHighSToken(v.token))).toBe(true);
    expect(valid.some((v) => v.issuer_pubkey_parity === 'odd')).toBe(true);
  });

  it.each(valid)('$name', async (vector) => {
    expect(opensslVerifyToken(vector.token, vector.verify_with_pubkey_hex)).toBe(true);
    const jose = await joseVerify(vector.token, vector.verify_with_pubkey_hex, vector.now, vector.leeway_seconds);
    expect(jose.payload).toEqual(vector.claims);
    for (const m of modules)
      expect(m.api.verifyJwt(vector.verify_with_pubkey_hex, vector.token, { now: vector.now })).toEqual(vector.claims);
  });
});

describe('tokens signed by jose@5 verify with ours', () => {
  it('for random keys of both parities, with high-S and low-S signatures, on both backends', async () => {
    const seen = { highS: 0, lowS: 0, even: 0, odd: 0 };
    for (let i = 0; i < 64; i++) {
      const secret = randomSecretHex(prng.bytes);
      seen[parityOf(secret)]++;
      const issuer = xOnlyOf(secret);
      const target = xOnlyOf(randomSecretHex(prng.bytes));
      const iat = BASE_NOW + prng.int(1_000_000);
      const claims = { exp: iat + 60 + prng.int(86_400), nbf: iat, iat, target_key: target };
      const key = await importJWK(privateJwk(secret) as JWK, 'ES256K');
      const token = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256K' }).sign(key);
      if (isHighSToken(token)) seen.highS++;
      else seen.lowS++;
      for (const m of modules) {
        expect(m.api.verifyJwt(issuer, token, { now: iat })).toEqual(claims);
        const verifier = new m.api.TokenVerifier({ issuers: [xOnlyOf(randomSecretHex(prng.bytes)), issuer] });
        expect(verifier.verify(token, iat)).toMatchObject({ claims, issuer });
      }
    }
    // OpenSSL's random nonces give high S about half the time: both paths were exercised.
    expect(seen.highS).toBeGreaterThan(5);
    expect(seen.lowS).toBeGreaterThan(5);
    expect(seen.even).toBeGreaterThan(5);
    expect(seen.odd).toBeGreaterThan(5);
  });
});
