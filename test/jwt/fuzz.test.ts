/**
 * Fuzz-style robustness of verification: thousands of mutations of valid tokens must produce only
 * typed GatewayErrors (never another throw, never a hang: the work is bounded by count), and no
 * mutation that changes the token text may verify, except the known high-S twin. Seeded: a failure
 * prints its seed and mutation number; rerun with JWT_FUZZ_SEED=<seed> to reproduce it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { issueJwt } from '../../src/index.js';
import { BACKEND_NAMES, loadJwtModules, type JwtModules } from '../support/jwt-backends.js';
import { createPrng, seedFromEnv, type Prng } from '../support/prng.js';
import {
  b64u,
  evenY,
  highSTwin,
  opensslSignedToken,
  parityOf,
  randomSecretHex,
  xOnlyOf,
} from '../support/secp256k1-reference.js';

const SEED = seedFromEnv('JWT_FUZZ_SEED', 20_250_615);
const NOW = 1_750_000_000;
const RANDOM_MUTATIONS = 4000;
const RESIGNED_MUTATIONS = 600;

interface BaseToken {
  token: string;
  issuer: string;
  secret: string;
}

interface Case {
  kind: string;
  input: unknown;
  base: BaseToken;
}

function secretWithParity(prng: Prng, parity: 'even' | 'odd'): string {
  for (;;) {
    const secret = randomSecretHex(prng.bytes);
    if (parityOf(secret) === parity) return secret;
  }
}

function buildBaseTokens(prng: Prng): BaseToken[] {
  const even = secretWithParity(prng, 'even');
  const odd = secretWithParity(prng, 'odd');
  const target = xOnlyOf(randomSecretHex(prng.bytes));
  const base = (secret: string, token: string): BaseToken => ({ token, secret, issuer: xOnlyOf(secret) });
  return [
    base(even, issueJwt(even, target, 24, { now: NOW })),
    base(
      odd,
      issueJwt(odd, target, 1, {
        now: NOW,
        extraClaims: { jti: 'j-1', permissions: ['a', 'b'], meta: { s: 'é😀', n: [1, null] } },
      }),
    ),
    // OpenSSL signs with a random nonce: a high-S original half of the time, with a typ header.
    base(
      even,
      opensslSignedToken(
        even,
        '{"alg":"ES256K","typ":"JWT"}',
        `{"target_key":"${target}","exp":${NOW + 60},"iat":${NOW}}`,
      ),
    ),
  ];
}

const WHITESPACE = [' ', '\t', '\n', '\r', '\u000b', '\u000c', '\u00a0', '\u2028', '\ufeff', '\u3000', '\u200b'];
const UNICODE = ['é', 'Ａ', '😀', '\ud800', '\udfff', '\u0000', 'ﬁ', 'İ', 'ı', '\u0130', '\uffff', '\u0080'];
const URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function insertAt(text: string, at: number, piece: string): string {
  return text.slice(0, at) + piece + text.slice(at);
}

function replaceAt(text: string, at: number, piece: string): string {
  return text.slice(0, at) + piece + text.slice(at + 1);
}

function randomString(prng: Prng, length: number, alphabet: string | undefined): string {
  let out = '';
  for (let i = 0; i < length; i++)
    out += alphabet ? alphabet[prng.int(alphabet.length)] : String.fromCharCode(prng.int(0x10000));
  return out;
}

/** One random mutation of a token's text; `kind` names it for failure reports. */
function mutate(prng: Prng, token: string, others: readonly string[]): { kind: string; input: string } {
  const segments = token.split('.');
  const seg = prng.int(3);
  const segStart = segments.slice(0, seg).reduce((sum, s) => sum + s.length + 1, 0);
  const segLength = segments[seg]!.length;
  const posInSeg = segStart + prng.int(Math.max(1, segLength));
  const pos = prng.int(token.length + 1);
  switch (prng.int(12)) {
    case 0:
      return { kind: 'truncate', input: token.slice(0, prng.int(token.length)) };
    case 1: {
      const flipped = String.fromCharCode(token.charCodeAt(posInSeg) ^ (1 << prng.int(16)));
      return { kind: `char bit flip in segment ${seg}`, input: replaceAt(token, posInSeg, flipped) };
    }
    case 2: {
      // A bit flip in the decoded bytes, re-encoded canonically: reaches the JSON and signature checks.
      const bytes = Buffer.from(segments[seg]!, 'base64url');
      const at = prng.int(bytes.length);
      bytes[at] = bytes[at]! ^ (1 << prng.int(8));
      const mutated = [...segments];
      mutated[seg] = b64u(bytes);
      return { kind: `byte bit flip in segment ${seg}`, input: mutated.join('.') };
    }
    case 3: {
      const orders = [
        [1, 0, 2],
        [0, 2, 1],
        [2, 1, 0],
        [1, 2, 0],
        [2, 0, 1],
        [0, 0, 2],
        [1, 1, 2],
        [0, 1, 1],
      ];
      const order = prng.pick(orders);
      if (prng.int(2) === 0)
        return { kind: `segment order ${order.join('')}`, input: order.map((i) => segments[i]).join('.') };
      const other = prng.pick(others).split('.');
      const mutated = [...segments];
      mutated[seg] = other[seg]!;
      return { kind: `segment ${seg} from another token`, input: mutated.join('.') };
    }
    case 4: {
      const mutated = [...segments];
      mutated[seg] += prng.pick(['=', '==', '===']);
      return { kind: `padding on segment ${seg}`, input: mutated.join('.') };
    }
    case 5:
      return { kind: 'whitespace', input: insertAt(token, pos, prng.pick(WHITESPACE)) };
    case 6:
      return prng.int(2) === 0
        ? { kind: 'unicode replaced', input: replaceAt(token, posInSeg, prng.pick(UNICODE)) }
        : { kind: 'unicode inserted', input: insertAt(token, pos, prng.pick(UNICODE)) };
    case 7: {
      const c = token[posInSeg]!;
      const swapped = c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase();
      return { kind: 'case change', input: replaceAt(token, posInSeg, swapped) };
    }
    case 8: {
      const choice = prng.int(3);
      if (choice === 0) return { kind: 'dot inserted', input: insertAt(token, pos, '.') };
      if (choice === 1) return { kind: 'dot replaces a char', input: replaceAt(token, posInSeg, '.') };
      const dot = token.indexOf('.', prng.int(2) === 0 ? 0 : token.indexOf('.') + 1);
      return { kind: 'dot removed', input: token.slice(0, dot) + token.slice(dot + 1) };
    }
    case 9: {
      const mutated = [...segments];
      const s = mutated[seg]!;
      const at = prng.int(s.length + 1);
      mutated[seg] =
        prng.int(2) === 0
          ? s.slice(0, at) + s.slice(at + 1 + prng.int(4))
          : insertAt(s, at, randomString(prng, 1 + prng.int(4), URL_ALPHABET));
      return { kind: `base64url chars removed or added in segment ${seg}`, input: mutated.join('.') };
    }
    case 10: {
      if (prng.int(2) === 0) {
        // Same bytes, other spelling: set unused trailing bits of a 2- or 3-character tail.
        const last = segments[seg]!.length - 1;
        const unusedMask = [0, 0, 0b1111, 0b11][segments[seg]!.length % 4]!;
        if (unusedMask === 0) return { kind: `segment ${seg} without unused bits`, input: token };
        const value = URL_ALPHABET.indexOf(segments[seg]![last]!) ^ (1 + prng.int(unusedMask));
        return {
          kind: `non-canonical last character of segment ${seg}`,
          input: replaceAt(token, segStart + last, URL_ALPHABET[value]!),
        };
      }
      const alphabet = prng.pick([
        `${URL_ALPHABET}.`,
        undefined,
        ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCXYZ[\\]^_`abcxyz{|}~',
      ]);
      return { kind: 'random text', input: randomString(prng, prng.int(400), alphabet) };
    }
    default: {
      const lengths = [prng.int(40), prng.int(200), prng.pick([0, 63, 64, 65, prng.int(100)])];
      return { kind: 'random base64url segments', input: lengths.map((n) => b64u(prng.bytes(n))).join('.') };
    }
  }
}

function buildCases(prng: Prng, bases: readonly BaseToken[]): Case[] {
  const cases: Case[] = [];
  const tokens = bases.map((b) => b.token);
  for (const base of bases) {
    for (let length = 0; length < base.token.length; length++)
      cases.push({ kind: `prefix of length ${length}`, input: base.token.slice(0, length), base });
    cases.push({ kind: 'the high-S twin', input: highSTwin(base.token), base });
    cases.push({ kind: 'trailing newline', input: `${base.token}\n`, base });
    cases.push({ kind: 'quoted', input: JSON.stringify(base.token), base });
    cases.push({ kind: 'Bearer prefix', input: `Bearer ${base.token}`, base });
  }
  for (let i = 0; i < RANDOM_MUTATIONS; i++) {
    const base = prng.pick(bases);
    cases.push({ ...mutate(prng, base.token, tokens), base });
  }
  const base = bases[0]!;
  const huge: [string, string][] = [
    ['token then 5 MB of base64url', base.token + 'A'.repeat(5 * 1024 * 1024)],
    ['5 MB of dots', '.'.repeat(5 * 1024 * 1024)],
    ['the token repeated 4000 times', Array.from({ length: 4000 }, () => base.token).join('.')],
    ['3 huge segments', ['e'.repeat(1 << 20), 'f'.repeat(1 << 20), 'g'.repeat(1 << 20)].join('.')],
    ['1 MB of random text', randomString(prng, 1 << 20, undefined)],
    ['4097 characters', base.token + 'A'.repeat(4097 - base.token.length)],
    // Correctly signed, valid claims, only too long: nothing but the length limit rejects it.
    [
      'a validly signed 3 MB token',
      opensslSignedToken(
        base.secret,
        '{"alg":"ES256K"}',
        `{"exp":${NOW + 60},"target_key":"${base.issuer}","pad":"${'x'.repeat(3 << 20)}"}`,
      ),
    ],
  ];
  for (const [kind, input] of huge) cases.push({ kind, input, base });
  const nonStrings: [string, unknown][] = [
    ['undefined', undefined],
    ['null', null],
    ['number', 286],
    ['NaN', Number.NaN],
    ['bigint', 10n],
    ['boolean', true],
    ['symbol', Symbol('token')],
    ['function', () => base.token],
    ['array of the segments', base.token.split('.')],
    ['Buffer of the token', Buffer.from(base.token)],
    ['String object', new String(base.token)],
    ['object with toString', { toString: () => base.token }],
    [
      'object with a throwing getter',
      Object.defineProperty({}, 'length', {
        get: () => {
          throw new Error('boom');
        },
      }),
    ],
    [
      'proxy that throws on every access',
      new Proxy(
        {},
        {
          get: () => {
            throw new Error('trap');
          },
          has: () => {
            throw new Error('trap');
          },
        },
      ),
    ],
  ];
  for (const [kind, input] of nonStrings) cases.push({ kind: `non-string: ${kind}`, input, base });
  return cases;
}

/** Re-signed payload mutations: the signature is valid, so only the strict claim rules stand guard. */
function buildResignedCases(prng: Prng, bases: readonly BaseToken[]): Case[] {
  const cases: Case[] = [];
  for (let i = 0; i < RESIGNED_MUTATIONS; i++) {
    const base = prng.pick(bases);
    const [header, payload] = base.token.split('.').map((s) => Buffer.from(s, 'base64url')) as [Buffer, Buffer];
    const bytes = Buffer.from(payload);
    let kind: string;
    let mutated: Buffer;
    switch (prng.int(4)) {
      case 0: {
        const at = prng.int(bytes.length);
        bytes[at] = bytes[at]! ^ (1 << prng.int(8));
        kind = 'payload bit flip';
        mutated = bytes;
        break;
      }
      case 1: {
        const at = prng.int(bytes.length + 1);
        const piece = Buffer.from(
          prng.pick([' ', '1', '-', '.5', 'e9', '"', ',', '{', '}', '\\u0041', '\u00e9', '\ufeff']),
        );
        kind = 'payload insertion';
        mutated = Buffer.concat([bytes.subarray(0, at), piece, bytes.subarray(at)]);
        break;
      }
      case 2: {
        const at = prng.int(bytes.length);
        kind = 'payload deletion';
        mutated = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + prng.int(3))]);
        break;
      }
      default: {
        const text = bytes.toString('utf8');
        const names = ['exp', 'nbf', 'iat', 'target_key'].filter((n) => text.includes(`"${n}"`));
        const from = prng.pick(names);
        const to = prng.pick(names.filter((n) => n !== from));
        kind = `member "${from}" renamed to "${to}" (a duplicate)`;
        mutated = Buffer.from(text.replace(`"${from}"`, `"${to}"`));
        break;
      }
    }
    cases.push({ kind: `re-signed ${kind}`, input: opensslSignedToken(base.secret, header, mutated), base });
  }
  return cases;
}

/** The strict claim rules of docs/protocol.md 2.5 steps 9-11, written again here to judge re-signed payloads. */
function claimsAreAcceptable(payloadText: string): boolean {
  const claims = JSON.parse(payloadText) as Record<string, unknown>;
  const isTime = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 253402300799;
  if (
    !isTime(claims.exp) ||
    (claims.nbf !== undefined && !isTime(claims.nbf)) ||
    (claims.iat !== undefined && !isTime(claims.iat))
  )
    return false;
  const target = claims.target_key;
  if (typeof target !== 'string' || !/^[0-9a-f]{64}$/.test(target) || evenY(target) === undefined) return false;
  if (!(NOW < (claims.exp as number) + 60)) return false;
  return claims.nbf === undefined || (claims.nbf as number) <= NOW + 60;
}

const prng = createPrng(SEED);
const BASES = buildBaseTokens(prng);
const CASES = buildCases(prng, BASES);
const RESIGNED = buildResignedCases(prng, BASES);

describe.each(BACKEND_NAMES)(`verification fuzz (seed ${SEED}) with the %s backend`, (backendName) => {
  let m: JwtModules;
  beforeAll(async () => {
    m = await loadJwtModules(backendName);
  });

  /** 'valid', a GatewayError code, or a description of anything else that came out. */
  function outcome(run: () => unknown): string {
    try {
      run();
      return 'valid';
    } catch (error) {
      if (error instanceof m.api.GatewayError) return error.code;
      return `UNTYPED ${String(error)}`;
    }
  }

  function report(failures: string[]): void {
    expect(failures.slice(0, 10), `${failures.length} failures; rerun with JWT_FUZZ_SEED=${SEED}`).toEqual([]);
  }

  it('the base tokens verify, and their high-S twins are the only other spelling', () => {
    for (const base of BASES) {
      expect(outcome(() => m.api.verifyJwt(base.issuer, base.token, { now: NOW }))).toBe('valid');
      expect(highSTwin(highSTwin(base.token))).toBe(base.token);
    }
    expect(CASES.length).toBeGreaterThan(RANDOM_MUTATIONS);
  });

  it(`${CASES.length} mutations: only typed errors, and only the unchanged token or its high-S twin verifies`, () => {
    const failures: string[] = [];
    const verifiers = new Map(
      BASES.map((b) => [b.issuer, new m.api.TokenVerifier({ issuers: [b.issuer], cacheSize: 256 })]),
    );
    const kinds = new Map<string, number>();
    let twinsAccepted = 0;
    CASES.forEach((c, index) => {
      const where = `#${index} ${c.kind}: ${JSON.stringify(typeof c.input === 'string' ? c.input.slice(0, 80) : String(typeof c.input))}`;
      const direct = outcome(() => m.api.verifyJwt(c.base.issuer, c.input as string, { now: NOW }));
      const cached = outcome(() => verifiers.get(c.base.issuer)!.verify(c.input as string, NOW));
      const decoded = outcome(() => m.api.decodeJwtWithoutVerifying(c.input as string));
      for (const [what, result] of [
        ['verifyJwt', direct],
        ['TokenVerifier', cached],
        ['decode', decoded],
      ]) {
        if (result!.startsWith('UNTYPED')) failures.push(`${where}: ${what} threw ${result}`);
      }
      if (direct !== cached) failures.push(`${where}: verifyJwt said ${direct}, TokenVerifier said ${cached}`);
      kinds.set(direct, (kinds.get(direct) ?? 0) + 1);
      if (direct !== 'valid' || c.input === c.base.token) return;
      if (c.input === highSTwin(c.base.token)) twinsAccepted++;
      else failures.push(`${where}: a changed token verified`);
    });
    report(failures);
    expect(twinsAccepted).toBeGreaterThanOrEqual(BASES.length);
    // The mutations reached every stage of the profile, not just the first checks.
    for (const code of ['ERR_JWT_MALFORMED', 'ERR_JWT_ALG', 'ERR_JWT_SIGNATURE'])
      expect(kinds.get(code), code).toBeGreaterThan(10);
  });

  it(`${RESIGNED.length} re-signed payload mutations: typed errors, and a pass only for claims that meet the strict rules`, () => {
    const failures: string[] = [];
    const kinds = new Map<string, number>();
    RESIGNED.forEach((c, index) => {
      const token = c.input as string;
      const where = `#${index} ${c.kind}`;
      const result = outcome(() => m.api.verifyJwt(c.base.issuer, token, { now: NOW }));
      kinds.set(result, (kinds.get(result) ?? 0) + 1);
      if (result.startsWith('UNTYPED')) failures.push(`${where}: ${result}`);
      else if (c.kind.includes('(a duplicate)') && result !== 'ERR_JWT_MALFORMED')
        failures.push(`${where}: duplicate member gave ${result}`);
      else if (
        result === 'valid' &&
        !claimsAreAcceptable(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'))
      ) {
        failures.push(
          `${where}: verified claims that break the strict rules: ${Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')}`,
        );
      }
    });
    report(failures);
    for (const code of ['valid', 'ERR_JWT_MALFORMED', 'ERR_JWT_CLAIMS'])
      expect(kinds.get(code), code).toBeGreaterThan(5);
  });
});
