import { beforeAll, describe, expect, it } from 'vitest';
import { npubEncode } from 'nostr-tools/nip19';
import { BACKEND_NAMES, loadJwtModules, type JwtModules } from '../support/jwt-backends.js';
import { createPrng } from '../support/prng.js';
import { offCurveX, opensslSignedToken, randomSecretHex, xOnlyOf } from '../support/secp256k1-reference.js';
import { codeOf } from '../support/error-code.js';

const prng = createPrng(31);
const ISSUER_SECRET = randomSecretHex(prng.bytes);
const ISSUER = xOnlyOf(ISSUER_SECRET);
const TARGET = xOnlyOf(randomSecretHex(prng.bytes));
const NOW = 1_750_000_000;
const MAX = 253402300799;

describe.each(BACKEND_NAMES)('claims with the %s backend', (backendName) => {
  let m: JwtModules;
  beforeAll(async () => {
    m = await loadJwtModules(backendName);
  });

  /** validateClaims over payload JSON text, as the verifier parses it. */
  const validate = (json: string) => codeOf(() => m.claims.validateClaims(JSON.parse(json) as Record<string, unknown>));
  const withTime = (name: string, literal: string) =>
    name === 'exp'
      ? `{"exp":${literal},"target_key":"${TARGET}"}`
      : `{"exp":${NOW},"${name}":${literal},"target_key":"${TARGET}"}`;

  describe('integer rules for exp, nbf and iat', () => {
    it.each(['exp', 'nbf', 'iat'])('%s accepts integers in [0, 253402300799], however spelt', (name) => {
      for (const literal of ['0', '1', '1750000000', '1.7e9', '1750000000.0', '17500000000e-1', `${MAX}`]) {
        expect(validate(withTime(name, literal)), literal).toBe('valid');
      }
    });

    it.each(['exp', 'nbf', 'iat'])('%s rejects fractions, negatives, out-of-range values and non-numbers', (name) => {
      for (const literal of ['1.5', '-1', '-0.5', `${MAX + 1}`, '1e20', '"1750000000"', 'null', 'true', '[1]', '{}']) {
        expect(validate(withTime(name, literal)), literal).toBe('ERR_JWT_CLAIMS');
      }
    });

    it('requires exp; nbf and iat are optional', () => {
      expect(validate(`{"target_key":"${TARGET}"}`)).toBe('ERR_JWT_CLAIMS');
      expect(validate(`{"nbf":${NOW},"iat":${NOW},"target_key":"${TARGET}"}`)).toBe('ERR_JWT_CLAIMS');
      expect(validate(`{"exp":${NOW},"target_key":"${TARGET}"}`)).toBe('valid');
    });
  });

  describe('target_key', () => {
    it('must be 64 lower-case hex chars naming a curve point', () => {
      const bad = [
        TARGET.toUpperCase(),
        npubEncode(TARGET),
        `nostr:${npubEncode(TARGET)}`,
        TARGET.slice(1),
        `${TARGET}0`,
        offCurveX(TARGET),
        ` ${TARGET}`,
      ];
      for (const value of bad)
        expect(validate(`{"exp":${NOW},"target_key":${JSON.stringify(value)}}`), value).toBe('ERR_JWT_CLAIMS');
      for (const literal of ['1', 'null', '["x"]'])
        expect(validate(`{"exp":${NOW},"target_key":${literal}}`)).toBe('ERR_JWT_CLAIMS');
      expect(validate(`{"exp":${NOW}}`)).toBe('ERR_JWT_CLAIMS');
    });

    it('permissions, when present, must be an array of strings (a string is not read as "none")', () => {
      const withPermissions = (literal: string) => `{"exp":${NOW},"target_key":"${TARGET}","permissions":${literal}}`;
      for (const literal of ['[]', '["read"]', '["read","admin"]'])
        expect(validate(withPermissions(literal)), literal).toBe('valid');
      for (const literal of [
        '"admin"',
        '"read,admin"',
        'null',
        '{}',
        '1',
        'true',
        '[1]',
        '["read",null]',
        '[["admin"]]',
      ]) {
        expect(validate(withPermissions(literal)), literal).toBe('ERR_JWT_CLAIMS');
      }
    });

    it('passes unknown claims through untouched', () => {
      const payload = { exp: NOW, target_key: TARGET, jti: 'id-1', permissions: ['read'], nested: { a: 1 } };
      expect(m.claims.validateClaims(structuredClone(payload))).toEqual(payload);
    });
  });

  describe('time checks', () => {
    const times = (exp: number, nbf: number | undefined, options: { now?: number; clockToleranceSec?: number }) =>
      codeOf(() => m.claims.checkClaimTimes({ exp, nbf, target_key: TARGET }, options));

    it('default tolerance 60: exp = now and now-59 valid, now-60 expired; nbf = now+60 valid, now+61 not yet valid', () => {
      expect(m.api.DEFAULT_CLOCK_TOLERANCE_SEC).toBe(60);
      for (const options of [{ now: NOW }, { now: NOW, clockToleranceSec: 60 }]) {
        expect(times(NOW, undefined, options)).toBe('valid');
        expect(times(NOW - 59, undefined, options)).toBe('valid');
        expect(times(NOW - 60, undefined, options)).toBe('ERR_JWT_EXPIRED');
        expect(times(NOW + 3600, NOW + 60, options)).toBe('valid');
        expect(times(NOW + 3600, NOW + 61, options)).toBe('ERR_JWT_NOT_YET_VALID');
      }
    });

    it('tolerance 0: exp must be in the future, nbf may be now', () => {
      const options = { now: NOW, clockToleranceSec: 0 };
      expect(times(NOW, undefined, options)).toBe('ERR_JWT_EXPIRED');
      expect(times(NOW + 1, undefined, options)).toBe('valid');
      expect(times(NOW + 1, NOW, options)).toBe('valid');
      expect(times(NOW + 10, NOW + 1, options)).toBe('ERR_JWT_NOT_YET_VALID');
    });

    it('checks expiry before maturity', () => {
      expect(times(NOW - 3600, NOW + 3600, { now: NOW })).toBe('ERR_JWT_EXPIRED');
    });

    it('uses the current clock when no time is given', () => {
      const current = Math.floor(Date.now() / 1000);
      expect(times(current + 3600, current - 10, {})).toBe('valid');
      expect(times(current - 3600, undefined, {})).toBe('ERR_JWT_EXPIRED');
      expect(times(current + 7200, current + 3600, {})).toBe('ERR_JWT_NOT_YET_VALID');
    });

    it('says when the token expired without printing the token', () => {
      const token = opensslSignedToken(
        ISSUER_SECRET,
        '{"alg":"ES256K"}',
        `{"exp":${NOW - 60},"target_key":"${TARGET}"}`,
      );
      try {
        m.api.verifyJwt(ISSUER, token, { now: NOW });
        expect.unreachable('expired token verified');
      } catch (error) {
        expect(error).toBeInstanceOf(m.api.JwtExpired);
        expect((error as Error).message).toContain(`${NOW - 60}`);
        expect((error as Error).message).not.toContain(token.split('.')[1]!.slice(0, 20));
      }
    });
  });

  describe('through verifyJwt on signed tokens', () => {
    const verifyPayload = (payload: string, options: { now?: number; clockToleranceSec?: number }) =>
      codeOf(() => m.api.verifyJwt(ISSUER, opensslSignedToken(ISSUER_SECRET, '{"alg":"ES256K"}', payload), options));

    it('applies the same boundaries end to end', () => {
      const payload = (exp: number, nbf: number) => `{"exp":${exp},"nbf":${nbf},"iat":${nbf},"target_key":"${TARGET}"}`;
      expect(verifyPayload(payload(NOW, NOW - 100), { now: NOW })).toBe('valid');
      expect(verifyPayload(payload(NOW - 59, NOW - 100), { now: NOW })).toBe('valid');
      expect(verifyPayload(payload(NOW - 60, NOW - 100), { now: NOW })).toBe('ERR_JWT_EXPIRED');
      expect(verifyPayload(payload(NOW + 900, NOW + 60), { now: NOW })).toBe('valid');
      expect(verifyPayload(payload(NOW + 900, NOW + 61), { now: NOW })).toBe('ERR_JWT_NOT_YET_VALID');
      expect(verifyPayload(payload(NOW + 900, NOW + 61), { now: NOW, clockToleranceSec: 61 })).toBe('valid');
    });

    it('reports bad claims before any time check', () => {
      expect(verifyPayload(`{"exp":${NOW - 9999},"target_key":"${TARGET.toUpperCase()}"}`, { now: NOW })).toBe(
        'ERR_JWT_CLAIMS',
      );
      expect(verifyPayload(`{"exp":${NOW + 10},"target_key":"${TARGET}","permissions":"admin"}`, { now: NOW })).toBe(
        'ERR_JWT_CLAIMS',
      );
      expect(verifyPayload(`{"exp":${NOW + 10},"iat":1.5,"target_key":"${TARGET}"}`, { now: NOW })).toBe(
        'ERR_JWT_CLAIMS',
      );
    });

    it('returns the parsed payload, extra claims included', () => {
      const payload = `{"exp":${NOW + 10},"target_key":"${TARGET}","jti":"j","permissions":["a","b"]}`;
      const token = opensslSignedToken(ISSUER_SECRET, '{"alg":"ES256K"}', payload);
      expect(m.api.verifyJwt(ISSUER, token, { now: NOW })).toEqual(JSON.parse(payload));
    });
  });
});
