/**
 * TokenVerifier.verifyPooled with a real VerifyPool (worker threads running libsecp256k1): the same
 * answers and the same errors as the synchronous path for every kind of token, cache hits answered
 * synchronously, one verification for a token presented many times at once, and inline verification
 * when the pool is saturated.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { issueJwt } from '../../src/jwt/issue.js';
import { TokenVerifier, type VerifiedToken } from '../../src/jwt/token-verifier.js';
import { VerifyPool } from '../../src/jwt/verify-pool.js';
import { createPrng } from '../support/prng.js';
import { b64u, highSTwin, opensslSignedToken, randomSecretHex, xOnlyOf } from '../support/secp256k1-reference.js';

const prng = createPrng(71);
const [SECRET_A, SECRET_B, SECRET_STRANGER] = Array.from({ length: 3 }, () => randomSecretHex(prng.bytes)) as [
  string,
  string,
  string,
];
const TARGET = xOnlyOf(randomSecretHex(prng.bytes));
const NOW = 1_750_000_000;
const issuers = [xOnlyOf(SECRET_A), xOnlyOf(SECRET_B)];

const pool = new VerifyPool({ threads: 2 });
afterAll(() => pool.close());

type Outcome = { claims: unknown; issuer: string } | { code: string; message: string };

function outcomeOf(run: () => VerifiedToken): Outcome {
  try {
    const { claims, issuer } = run();
    return { claims, issuer };
  } catch (error) {
    return { code: (error as { code: string }).code, message: (error as Error).message };
  }
}

async function pooledOutcome(verifier: TokenVerifier, token: string, now = NOW): Promise<Outcome> {
  try {
    const { claims, issuer } = await verifier.verifyPooled(token, now);
    return { claims, issuer };
  } catch (error) {
    return { code: (error as { code: string }).code, message: (error as Error).message };
  }
}

const issue = (secret: string, hours = 1, now = NOW, extraClaims?: Record<string, unknown>) =>
  issueJwt(secret, TARGET, hours, { now, ...(extraClaims ? { extraClaims } : {}) });

function tamperedPayload(token: string): string {
  const [header, , signature] = token.split('.');
  return `${header}.${b64u(JSON.stringify({ exp: NOW + 99_999, nbf: NOW, iat: NOW, target_key: TARGET }))}.${signature}`;
}

describe('TokenVerifier.verifyPooled', () => {
  it('answers every kind of token exactly as verify does', async () => {
    const validA = issue(SECRET_A);
    const cases: Record<string, string> = {
      'valid, first issuer': validA,
      'valid, second issuer': issue(SECRET_B),
      'high-S twin': highSTwin(validA),
      'untrusted signer': issue(SECRET_STRANGER),
      'payload changed after signing': tamperedPayload(validA),
      expired: issue(SECRET_A, 1, NOW - 10 * 3600),
      'not yet valid': issue(SECRET_A, 1, NOW + 3600),
      'claims invalid (target_key not a key)': opensslSignedToken(
        SECRET_A,
        '{"alg":"ES256K"}',
        JSON.stringify({ exp: NOW + 60, nbf: NOW, iat: NOW, target_key: 'x' }),
      ),
      'signature too short': validA.slice(0, validA.lastIndexOf('.') + 20),
      'signature r = 0': `${validA.slice(0, validA.lastIndexOf('.'))}.${b64u(new Uint8Array(64))}`,
      'not a JWT': 'hello',
      'alg none': `${b64u('{"alg":"none"}')}.${b64u('{}')}.`,
    };
    for (const [name, token] of Object.entries(cases)) {
      // Fresh verifiers: no cache hit may answer for the other path.
      const expected = outcomeOf(() => new TokenVerifier({ issuers }).verify(token, NOW));
      expect(await pooledOutcome(new TokenVerifier({ issuers, pool }), token), name).toEqual(expected);
    }
    expect(outcomeOf(() => new TokenVerifier({ issuers }).verify(validA, NOW))).toMatchObject({ issuer: issuers[0] });
    expect(outcomeOf(() => new TokenVerifier({ issuers }).verify(highSTwin(validA), NOW))).toMatchObject({
      issuer: issuers[0],
    });
  });

  it('throws structural errors synchronously and answers cache hits synchronously', async () => {
    const verifier = new TokenVerifier({ issuers, pool, inlineShare: 0 });
    expect(() => verifier.verifyPooled('a.b', NOW)).toThrow(expect.objectContaining({ code: 'ERR_JWT_MALFORMED' }));
    const token = issue(SECRET_B);
    const first = verifier.verifyPooled(token, NOW);
    expect(first).toBeInstanceOf(Promise);
    const verified = await first;
    const again = verifier.verifyPooled(token, NOW);
    expect(again).toBe(verified);
    // A cached token still expires on time.
    expect(() => verifier.verifyPooled(token, NOW + 2 * 3600)).toThrow(
      expect.objectContaining({ code: 'ERR_JWT_EXPIRED' }),
    );
    expect(verifier.stats()).toEqual({ hits: 2, misses: 2, size: 1 }); // misses: 'a.b' and the first call
  });

  it('verifies a token presented many times at once only once', async () => {
    const timings: number[] = [];
    const verifier = new TokenVerifier({ issuers, pool, onVerified: (seconds) => timings.push(seconds) });
    const token = issue(SECRET_A, 2);
    const results = await Promise.all(Array.from({ length: 50 }, () => verifier.verifyPooled(token, NOW)));
    expect(new Set(results).size).toBe(1);
    expect(timings).toHaveLength(1);
    expect(timings[0]).toBeGreaterThan(0);
    // Different tokens in one turn are all verified, each with its own answer.
    const tokens = Array.from({ length: 200 }, (_, i) =>
      i % 3 === 0 ? issue(SECRET_STRANGER, 1, NOW + i - 300) : issue(SECRET_A, 1, NOW + i - 300),
    );
    const outcomes = await Promise.all(tokens.map((t) => pooledOutcome(verifier, t)));
    outcomes.forEach((outcome, i) =>
      expect('code' in outcome ? outcome.code : 'valid').toBe(i % 3 === 0 ? 'ERR_JWT_SIGNATURE' : 'valid'),
    );
  });

  it('verifies inline while misses are few, and hands a burst to the pool once the inline share is spent', () => {
    const verifier = new TokenVerifier({ issuers, pool });
    // A quiet verifier checks the first misses on the calling thread: no hand-off, no promise.
    const first = verifier.verifyPooled(issue(SECRET_A, 4), NOW);
    expect(first).not.toBeInstanceOf(Promise);
    expect((first as VerifiedToken).issuer).toBe(issuers[0]);
    // A burst spends the inline budget (a few ms of checks); what follows goes to the pool.
    const answers = Array.from({ length: 400 }, (_, i) => verifier.verifyPooled(issue(SECRET_A, 5, NOW - i), NOW));
    const pooled = answers.filter((answer) => answer instanceof Promise);
    expect(pooled.length).toBeGreaterThan(0);
    expect(pooled.length).toBeLessThan(answers.length);
    return Promise.all(pooled);
  });

  it('verifies inline, synchronously, while the pool is saturated', async () => {
    const saturated = new VerifyPool({ threads: 1, maxPending: 1 });
    try {
      const verifier = new TokenVerifier({ issuers, pool: saturated, inlineShare: 0 });
      const pending = verifier.verifyPooled(issue(SECRET_A, 3), NOW);
      expect(pending).toBeInstanceOf(Promise);
      expect(saturated.saturated).toBe(true);
      const inline = verifier.verifyPooled(issue(SECRET_B, 3), NOW);
      expect(inline).not.toBeInstanceOf(Promise);
      expect((inline as VerifiedToken).issuer).toBe(issuers[1]);
      expect((await pending).issuer).toBe(issuers[0]);
    } finally {
      await saturated.close();
    }
  });
});
