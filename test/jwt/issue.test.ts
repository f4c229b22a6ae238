import { beforeAll, describe, expect, it } from 'vitest';
import { npubEncode, nsecEncode } from 'nostr-tools/nip19';
import { BACKEND_NAMES, loadJwtModules, type JwtModules } from '../support/jwt-backends.js';
import { createPrng } from '../support/prng.js';
import {
  N,
  compressedPointOf,
  opensslVerifyToken,
  parityOf,
  randomSecretHex,
  signatureS,
  xOnlyOf,
} from '../support/secp256k1-reference.js';
import { createPublicKey, verify as opensslVerify } from 'node:crypto';

const prng = createPrng(41);
const NOW = 1_750_000_000;
const MAX = 253402300799;
const HEADER_SEGMENT = Buffer.from('{"alg":"ES256K"}').toString('base64url');

/** A secret whose point has the wanted y parity (about every second random secret). */
function secretWithParity(parity: 'even' | 'odd'): string {
  for (;;) {
    const secret = randomSecretHex(prng.bytes);
    if (parityOf(secret) === parity) return secret;
  }
}

const EVEN_SECRET = secretWithParity('even');
const ODD_SECRET = secretWithParity('odd');
const TARGET = xOnlyOf(randomSecretHex(prng.bytes));

function payloadText(token: string): string {
  return Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8');
}

describe.each(BACKEND_NAMES)('issueJwt with the %s backend', (backendName) => {
  let m: JwtModules;
  beforeAll(async () => {
    m = await loadJwtModules(backendName);
  });

  function invalidArgument(run: () => unknown): string {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(m.api.InvalidArgument);
      expect((error as { code: string }).code).toBe('ERR_INVALID_ARGUMENT');
      return (error as Error).message;
    }
    throw new Error('expected InvalidArgument, nothing was thrown');
  }

  it.each([
    [1, 3600],
    [24, 86_400],
    [720, 2_592_000],
    [0.5, 1800],
    [1.25, 4500],
    [1 / 3600, 1],
    [0.0001, 1], // 0.36 s rounds to 0; a token lives at least one second
    [2.5 / 3600, 3], // 2.5 s rounds half up
  ])('%s hours: iat = nbf = now and exp = now + %i s, in Portal member order', (hours, lifetimeSec) => {
    const token = m.api.issueJwt(EVEN_SECRET, TARGET, hours, { now: NOW });
    expect(payloadText(token)).toBe(`{"exp":${NOW + lifetimeSec},"nbf":${NOW},"iat":${NOW},"target_key":"${TARGET}"}`);
    expect(token.split('.')[0]).toBe(HEADER_SEGMENT);
    expect(token).toHaveLength(286); // docs/protocol.md 2.3: 10-digit times give a 286-character token
  });

  it('truncates a fractional now and defaults now to the clock', () => {
    expect(payloadText(m.api.issueJwt(EVEN_SECRET, TARGET, 1, { now: NOW + 0.999 }))).toContain(`"iat":${NOW},`);
    const before = Math.floor(Date.now() / 1000);
    const iat = (JSON.parse(payloadText(m.api.issueJwt(EVEN_SECRET, TARGET, 1))) as { iat: number }).iat;
    expect(iat).toBeGreaterThanOrEqual(before);
    expect(iat).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it('accepts the secret as hex in either case or nsec, and the target as hex in either case or npub', () => {
    const expected = m.api.issueJwt(EVEN_SECRET, TARGET, 2, { now: NOW });
    const nsec = nsecEncode(Buffer.from(EVEN_SECRET, 'hex'));
    for (const secret of [EVEN_SECRET.toUpperCase(), nsec]) {
      for (const target of [TARGET.toUpperCase(), npubEncode(TARGET), `nostr:${npubEncode(TARGET)}`]) {
        expect(m.api.issueJwt(secret, target, 2, { now: NOW })).toBe(expected);
      }
    }
  });

  it('is deterministic: the same input gives the same token, another time another token', () => {
    const a = m.api.issueJwt(EVEN_SECRET, TARGET, 1, { now: NOW });
    expect(m.api.issueJwt(EVEN_SECRET, TARGET, 1, { now: NOW })).toBe(a);
    expect(m.api.issueJwt(EVEN_SECRET, TARGET, 1, { now: NOW + 1 })).not.toBe(a);
  });

  it('appends extra claims after the four Portal claims, in insertion order', () => {
    const extraClaims = {
      jti: 'id-1',
      permissions: ['read', 'write'],
      zeta: { b: 1, a: [null, true] },
      alpha: 1.5,
      'quote"d': 'é',
    };
    const token = m.api.issueJwt(EVEN_SECRET, TARGET, 1, { now: NOW, extraClaims });
    expect(payloadText(token)).toBe(
      `{"exp":${NOW + 3600},"nbf":${NOW},"iat":${NOW},"target_key":"${TARGET}",` +
        '"jti":"id-1","permissions":["read","write"],"zeta":{"b":1,"a":[null,true]},"alpha":1.5,"quote\\"d":"é"}',
    );
    expect(m.api.verifyJwt(xOnlyOf(EVEN_SECRET), token, { now: NOW })).toEqual({
      exp: NOW + 3600,
      nbf: NOW,
      iat: NOW,
      target_key: TARGET,
      ...extraClaims,
    });
  });

  it('gives an empty extraClaims object the plain Portal token', () => {
    expect(m.api.issueJwt(EVEN_SECRET, TARGET, 1, { now: NOW, extraClaims: {} })).toBe(
      m.api.issueJwt(EVEN_SECRET, TARGET, 1, { now: NOW }),
    );
  });

  it.each(['exp', 'nbf', 'iat', 'target_key'])('refuses an extra claim that would override "%s"', (name) => {
    expect(
      invalidArgument(() => m.api.issueJwt(EVEN_SECRET, TARGET, 1, { now: NOW, extraClaims: { jti: 'x', [name]: 1 } })),
    ).toContain(`"${name}"`);
  });

  it('refuses extra claims that are not JSON, with a typed error', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const values = [
      undefined,
      () => 1,
      Symbol('s'),
      10n,
      circular,
      {
        toJSON: () => {
          throw new Error('boom');
        },
      },
    ];
    for (const value of values) {
      expect(invalidArgument(() => m.api.issueJwt(EVEN_SECRET, TARGET, 1, { extraClaims: { bad: value } }))).toContain(
        '"bad"',
      );
    }
    for (const extraClaims of [null, 'text', 5, ['a']]) {
      invalidArgument(() =>
        m.api.issueJwt(EVEN_SECRET, TARGET, 1, { extraClaims: extraClaims as unknown as Record<string, unknown> }),
      );
    }
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, '1', undefined, null])(
    'refuses the duration %s hours',
    (hours) => {
      invalidArgument(() => m.api.issueJwt(EVEN_SECRET, TARGET, hours as number, { now: NOW }));
    },
  );

  it('refuses a now or an exp outside [0, 253402300799]', () => {
    for (const now of [-1, Number.NaN, Number.POSITIVE_INFINITY, MAX + 1])
      invalidArgument(() => m.api.issueJwt(EVEN_SECRET, TARGET, 1, { now }));
    expect(payloadText(m.api.issueJwt(EVEN_SECRET, TARGET, 1, { now: MAX - 3600 }))).toContain(`"exp":${MAX},`);
    invalidArgument(() => m.api.issueJwt(EVEN_SECRET, TARGET, 1, { now: MAX - 3599 }));
    invalidArgument(() => m.api.issueJwt(EVEN_SECRET, TARGET, 1e12, { now: NOW }));
    invalidArgument(() => m.api.issueJwt(EVEN_SECRET, TARGET, 1e305, { now: NOW }));
  });

  it('refuses bad keys with KeyInvalid', () => {
    for (const [secret, target] of [
      ['0'.repeat(64), TARGET],
      [EVEN_SECRET, TARGET.slice(1)],
      [EVEN_SECRET, 'f'.repeat(64)],
      [npubEncode(TARGET), TARGET],
    ] as const) {
      expect(() => m.api.issueJwt(secret, target, 1)).toThrow(m.api.KeyInvalid);
    }
  });

  describe('the negation rule and low-S', () => {
    it('an odd-y secret signs for the even-y lift of its x-only key (n - d), not for its own point', () => {
      expect(compressedPointOf(ODD_SECRET)[0]).toBe(0x03);
      const token = m.api.issueJwt(ODD_SECRET, TARGET, 1, { now: NOW });
      const xOnly = xOnlyOf(ODD_SECRET);
      expect(opensslVerifyToken(token, xOnly)).toBe(true);
      expect(m.api.verifyJwt(xOnly, token, { now: NOW }).target_key).toBe(TARGET);
      // The secret's own (odd-y) point does not verify: the token was signed with n - d.
      const oddPoint = createPublicKey({
        key: Buffer.concat([
          Buffer.from('3036301006072a8648ce3d020106052b8104000a032200', 'hex'),
          compressedPointOf(ODD_SECRET),
        ]),
        format: 'der',
        type: 'spki',
      });
      const lastDot = token.lastIndexOf('.');
      const signature = Buffer.from(token.slice(lastDot + 1), 'base64url');
      expect(
        opensslVerify(
          'sha256',
          Buffer.from(token.slice(0, lastDot)),
          { key: oddPoint, dsaEncoding: 'ieee-p1363' },
          signature,
        ),
      ).toBe(false);
    });

    it('always emits low-S signatures, for keys of both parities', () => {
      const parities = new Set<string>();
      for (let i = 0; i < 150; i++) {
        const secret = randomSecretHex(prng.bytes);
        parities.add(parityOf(secret));
        const token = m.api.issueJwt(secret, TARGET, 1 + (i % 48), { now: NOW + i });
        const s = signatureS(token);
        expect(s > 0n && s <= N / 2n).toBe(true);
        expect(token.split('.')[2]).toHaveLength(86);
      }
      expect(parities).toEqual(new Set(['even', 'odd']));
    });
  });

  describe('createJwtIssuer', () => {
    it('issues what issueJwt issues, and reports its public key', () => {
      const issuer = m.api.createJwtIssuer(ODD_SECRET);
      expect(issuer.publicKey).toBe(xOnlyOf(ODD_SECRET));
      expect(issuer.issue(TARGET, { ttlSec: 7200, now: NOW })).toBe(
        m.api.issueJwt(ODD_SECRET, TARGET, 2, { now: NOW }),
      );
      expect(issuer.issue(TARGET, { ttlSec: 90, now: NOW, extraClaims: { jti: 'a' } })).toBe(
        m.api.issueJwt(ODD_SECRET, TARGET, 90 / 3600, { now: NOW, extraClaims: { jti: 'a' } }),
      );
    });

    it('copies secret bytes, so wiping the caller’s buffer does not change the signer', () => {
      const bytes = Buffer.from(EVEN_SECRET, 'hex');
      const issuer = m.api.createJwtIssuer(bytes);
      bytes.fill(0);
      expect(issuer.issue(TARGET, { ttlSec: 60, now: NOW })).toBe(
        m.api.issueJwt(EVEN_SECRET, TARGET, 60 / 3600, { now: NOW }),
      );
    });

    it('refuses secret bytes that are not a valid scalar with KeyInvalid', () => {
      for (const bytes of [
        new Uint8Array(32),
        new Uint8Array(31).fill(1),
        new Uint8Array(33).fill(1),
        Buffer.from((N + 1n).toString(16), 'hex'),
      ]) {
        expect(() => m.api.createJwtIssuer(bytes)).toThrow(m.api.KeyInvalid);
        expect(() => m.api.getPublicKey(bytes)).toThrow(m.api.KeyInvalid);
      }
    });

    it.each([0, -60, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses ttlSec %s', (ttlSec) => {
      invalidArgument(() => m.api.createJwtIssuer(EVEN_SECRET).issue(TARGET, { ttlSec, now: NOW }));
    });
  });
});

describe('both backends issue byte for byte the same tokens', () => {
  let modules: JwtModules[];
  beforeAll(async () => {
    modules = [];
    for (const name of BACKEND_NAMES) modules.push(await loadJwtModules(name));
  });

  it('for random keys of both parities, targets, lifetimes and extra claims', () => {
    const parities = new Set<string>();
    for (let i = 0; i < 120; i++) {
      const secret = randomSecretHex(prng.bytes);
      parities.add(parityOf(secret));
      const target = xOnlyOf(randomSecretHex(prng.bytes));
      const hours = 1 + prng.int(24 * 365);
      const options = {
        now: NOW + prng.int(1_000_000),
        extraClaims: i % 3 === 0 ? { jti: prng.bytes(8).toString('hex') } : undefined,
      };
      const tokens = modules.map((m) => m.api.issueJwt(secret, target, hours, options));
      expect(new Set(tokens).size).toBe(1);
    }
    expect(parities).toEqual(new Set(['even', 'odd']));
  });
});
