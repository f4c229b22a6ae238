import { describe, expect, it } from 'vitest';
import { GatewayError, issueJwt, verifyJwt } from '../../src/index.js';
import { availableBackends } from '../../src/keys/es256k.js';
import { checkClaimTimes } from '../../src/jwt/claims.js';
import { issuerKey, verifyJwtSignature } from '../../src/jwt/verify.js';
import { CATEGORY_OF_CODE, jwtVectors } from '../support/vectors.js';

function outcome(run: () => unknown): string {
  try {
    run();
    return 'valid';
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    return CATEGORY_OF_CODE[error.code] ?? `unexpected code ${error.code}`;
  }
}

describe('Portal JWT vectors', () => {
  it('has the 24 published cases', () => {
    expect(jwtVectors.length).toBe(24);
  });

  describe.each(jwtVectors)('$name', (vector) => {
    it(`verifyJwt answers ${vector.expect}`, () => {
      const result = outcome(() =>
        verifyJwt(vector.verify_with_pubkey_hex, vector.token, {
          now: vector.now,
          clockToleranceSec: vector.leeway_seconds,
        }),
      );
      expect(result).toBe(vector.expect);
    });

    it.each(availableBackends.map((b) => [b.name, b] as const))('the %s backend agrees', (_name, backend) => {
      const result = outcome(() => {
        const claims = verifyJwtSignature(vector.token, issuerKey(vector.verify_with_pubkey_hex), backend);
        checkClaimTimes(claims, { now: vector.now, clockToleranceSec: vector.leeway_seconds });
      });
      expect(result).toBe(vector.expect);
    });

    if (vector.expect === 'valid') {
      it('returns the published claims', () => {
        const claims = verifyJwt(vector.verify_with_pubkey_hex, vector.token, { now: vector.now });
        expect(claims).toEqual(vector.claims);
      });
    }
  });

  const reissuable = jwtVectors.filter(
    (v) =>
      v.expect === 'valid' &&
      v.claims_json !== undefined &&
      v.claims?.iat !== undefined &&
      v.claims.nbf === v.claims.iat &&
      Object.keys(v.claims).length === 4 &&
      (v.claims.exp - v.claims.iat) % 3600 === 0 &&
      !v.name.startsWith('high_s'),
  );

  it('has valid vectors with whole-hour lifetimes to re-issue', () => {
    expect(reissuable.length).toBeGreaterThanOrEqual(2);
  });

  it.each(reissuable)('re-issues $name byte for byte', (vector) => {
    const claims = vector.claims!;
    const token = issueJwt(vector.issuer_secret_hex, claims.target_key, (claims.exp - claims.iat!) / 3600, {
      now: claims.iat,
    });
    expect(token).toBe(vector.token);
  });
});
