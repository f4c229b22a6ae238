import { beforeAll, describe, expect, it } from 'vitest';
import { npubEncode } from 'nostr-tools/nip19';
import { BACKEND_NAMES, loadJwtModules, type JwtModules } from '../support/jwt-backends.js';
import { createPrng } from '../support/prng.js';
import {
  highSTwin,
  isHighSToken,
  offCurveX,
  opensslSignedToken,
  randomSecretHex,
  xOnlyOf,
} from '../support/secp256k1-reference.js';
import { codeOf } from '../support/error-code.js';

const prng = createPrng(53);
const NOW = 1_750_000_000;
const [SECRET_A, SECRET_B, SECRET_C, SECRET_STRANGER] = Array.from({ length: 4 }, () =>
  randomSecretHex(prng.bytes),
) as [string, string, string, string];
const TARGET = xOnlyOf(randomSecretHex(prng.bytes));

describe.each(BACKEND_NAMES)('TokenVerifier with the %s backend', (backendName) => {
  let m: JwtModules;
  beforeAll(async () => {
    m = await loadJwtModules(backendName);
  });

  const issue = (secret: string, options: { now?: number; hours?: number; jti?: string } = {}) =>
    m.api.issueJwt(secret, TARGET, options.hours ?? 1, {
      now: options.now ?? NOW,
      extraClaims: options.jti ? { jti: options.jti } : undefined,
    });

  describe('several issuers', () => {
    it('accepts tokens of every trusted issuer and says which one signed', () => {
      const verifier = new m.api.TokenVerifier({
        issuers: [xOnlyOf(SECRET_A), npubEncode(xOnlyOf(SECRET_B)), xOnlyOf(SECRET_C).toUpperCase()],
      });
      expect(verifier.issuers).toEqual([xOnlyOf(SECRET_A), xOnlyOf(SECRET_B), xOnlyOf(SECRET_C)]);
      for (const secret of [SECRET_A, SECRET_B, SECRET_C]) {
        const result = verifier.verify(issue(secret), NOW);
        expect(result.issuer).toBe(xOnlyOf(secret));
        expect(result.claims).toEqual({ exp: NOW + 3600, nbf: NOW, iat: NOW, target_key: TARGET });
      }
    });

    it('rejects a token from an untrusted key with a signature error', () => {
      const verifier = new m.api.TokenVerifier({ issuers: [xOnlyOf(SECRET_A), xOnlyOf(SECRET_B)] });
      expect(codeOf(() => verifier.verify(issue(SECRET_STRANGER), NOW))).toBe('ERR_JWT_SIGNATURE');
    });

    it('reports the first non-signature problem instead of trying further keys', () => {
      const verifier = new m.api.TokenVerifier({ issuers: [xOnlyOf(SECRET_A), xOnlyOf(SECRET_B)] });
      const badClaimsFromB = opensslSignedToken(
        SECRET_B,
        '{"alg":"ES256K"}',
        `{"exp":${NOW + 60},"target_key":"${TARGET.toUpperCase()}"}`,
      );
      expect(codeOf(() => verifier.verify(badClaimsFromB, NOW))).toBe('ERR_JWT_CLAIMS');
      expect(codeOf(() => verifier.verify('not.a.token', NOW))).toBe('ERR_JWT_MALFORMED');
      expect(codeOf(() => verifier.verify(42 as unknown as string, NOW))).toBe('ERR_JWT_MALFORMED');
      const noneAlg = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${issue(SECRET_A).split('.')[1]}.`;
      expect(codeOf(() => verifier.verify(noneAlg, NOW))).toBe('ERR_JWT_ALG');
    });

    it('refuses a bad issuer key at construction, naming its position', () => {
      expect(() => new m.api.TokenVerifier({ issuers: [xOnlyOf(SECRET_A), offCurveX(TARGET)] })).toThrow(
        /trusted issuer 1/,
      );
      expect(() => new m.api.TokenVerifier({ issuers: ['nope'] })).toThrow(m.api.KeyInvalid);
    });

    it('with no issuers, verifies nothing', () => {
      const verifier = new m.api.TokenVerifier({ issuers: [] });
      expect(codeOf(() => verifier.verify(issue(SECRET_A), NOW))).toBe('ERR_JWT_SIGNATURE');
    });

    it('agrees with verifyJwt on the claims', () => {
      const token = issue(SECRET_A, { jti: 'abc' });
      const verifier = new m.api.TokenVerifier({ issuers: [xOnlyOf(SECRET_A)] });
      expect(verifier.verify(token, NOW).claims).toEqual(m.api.verifyJwt(xOnlyOf(SECRET_A), token, { now: NOW }));
    });
  });

  describe('verified-token cache', () => {
    it('re-checks exp on a cache hit, so a cached token still expires on time', () => {
      const verifier = new m.api.TokenVerifier({ issuers: [xOnlyOf(SECRET_A)] });
      const token = issue(SECRET_A); // exp = NOW + 3600
      expect(verifier.verify(token, NOW).claims.exp).toBe(NOW + 3600);
      expect(verifier.verify(token, NOW + 3600 + 59).issuer).toBe(xOnlyOf(SECRET_A));
      expect(codeOf(() => verifier.verify(token, NOW + 3600 + 60))).toBe('ERR_JWT_EXPIRED');
      expect(verifier.stats()).toEqual({ hits: 2, misses: 1, size: 1 });
    });

    it('re-checks nbf on a hit: a token cached too early becomes valid later', () => {
      const verifier = new m.api.TokenVerifier({ issuers: [xOnlyOf(SECRET_A)] });
      const token = issue(SECRET_A, { now: NOW + 600 });
      expect(codeOf(() => verifier.verify(token, NOW))).toBe('ERR_JWT_NOT_YET_VALID');
      expect(codeOf(() => verifier.verify(token, NOW + 540))).toBe('valid');
      expect(verifier.stats()).toEqual({ hits: 1, misses: 1, size: 1 });
    });

    it('uses its clockToleranceSec and the clock when no time is given', () => {
      const strict = new m.api.TokenVerifier({ issuers: [xOnlyOf(SECRET_A)], clockToleranceSec: 0 });
      const token = issue(SECRET_A);
      expect(codeOf(() => strict.verify(token, NOW + 3599))).toBe('valid');
      expect(codeOf(() => strict.verify(token, NOW + 3600))).toBe('ERR_JWT_EXPIRED');
      expect(codeOf(() => strict.verify(token))).toBe('ERR_JWT_EXPIRED'); // issued in 2025, one hour long
      expect(codeOf(() => strict.verify(m.api.issueJwt(SECRET_A, TARGET, 1)))).toBe('valid');
    });

    it('keeps at most cacheSize tokens, evicting the least recently used', () => {
      const verifier = new m.api.TokenVerifier({ issuers: [xOnlyOf(SECRET_A)], cacheSize: 3 });
      const tokens = Array.from({ length: 5 }, (_, i) => issue(SECRET_A, { jti: `t${i}` }));
      for (const token of tokens) verifier.verify(token, NOW);
      expect(verifier.stats()).toEqual({ hits: 0, misses: 5, size: 3 });
      verifier.verify(tokens[4]!, NOW);
      expect(verifier.stats().hits).toBe(1);
      verifier.verify(tokens[0]!, NOW); // evicted: verified again
      expect(verifier.stats()).toEqual({ hits: 1, misses: 6, size: 3 });
    });

    it('cacheSize 0 turns the cache off', () => {
      const verifier = new m.api.TokenVerifier({ issuers: [xOnlyOf(SECRET_A)], cacheSize: 0 });
      const token = issue(SECRET_A);
      for (let i = 0; i < 3; i++) verifier.verify(token, NOW);
      expect(verifier.stats()).toEqual({ hits: 0, misses: 3, size: 0 });
    });

    it('never caches a failure', () => {
      const verifier = new m.api.TokenVerifier({ issuers: [xOnlyOf(SECRET_A)] });
      const forged = issue(SECRET_STRANGER);
      for (let i = 0; i < 2; i++) expect(codeOf(() => verifier.verify(forged, NOW))).toBe('ERR_JWT_SIGNATURE');
      expect(verifier.stats()).toEqual({ hits: 0, misses: 2, size: 0 });
    });

    it('verifies the high-S twin of a cached token on its own (a miss, same claims)', () => {
      const verifier = new m.api.TokenVerifier({ issuers: [xOnlyOf(SECRET_A)] });
      const token = issue(SECRET_A);
      const twin = highSTwin(token);
      expect(isHighSToken(twin)).toBe(true);
      const claims = verifier.verify(token, NOW).claims;
      expect(verifier.verify(twin, NOW).claims).toEqual(claims);
      expect(verifier.stats()).toEqual({ hits: 0, misses: 2, size: 2 });
    });

    it('counts hits and misses over a mixed run', () => {
      const verifier = new m.api.TokenVerifier({ issuers: [xOnlyOf(SECRET_A), xOnlyOf(SECRET_B)], cacheSize: 100 });
      const tokens = [issue(SECRET_A), issue(SECRET_B), issue(SECRET_A, { jti: 'x' })];
      let expectedHits = 0;
      for (let round = 0; round < 4; round++) {
        for (const token of tokens) verifier.verify(token, NOW);
        if (round > 0) expectedHits += tokens.length;
      }
      expect(verifier.stats()).toEqual({ hits: expectedHits, misses: tokens.length, size: tokens.length });
    });
  });
});
