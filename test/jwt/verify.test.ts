import { beforeAll, describe, expect, it } from 'vitest';
import { npubEncode } from 'nostr-tools/nip19';
import { BACKEND_NAMES, loadJwtModules, type JwtModules } from '../support/jwt-backends.js';
import { createPrng } from '../support/prng.js';
import {
  N,
  b64u,
  highSTwin,
  isHighSToken,
  offCurveX,
  opensslSignedToken,
  randomSecretHex,
  toHex32,
  xOnlyOf,
} from '../support/secp256k1-reference.js';

const prng = createPrng(61);
const NOW = 1_750_000_000;
const SECRET = randomSecretHex(prng.bytes);
const ISSUER = xOnlyOf(SECRET);
const OTHER_SECRET = randomSecretHex(prng.bytes);
const TARGET = xOnlyOf(randomSecretHex(prng.bytes));
const HEADER = '{"alg":"ES256K"}';
const PAYLOAD = `{"exp":${NOW + 3600},"nbf":${NOW},"iat":${NOW},"target_key":"${TARGET}"}`;

const signed = (header: string | Uint8Array, payload: string | Uint8Array = PAYLOAD) =>
  opensslSignedToken(SECRET, header, payload);
const withSignature = (token: string, signature: Uint8Array | string) =>
  `${token.slice(0, token.lastIndexOf('.'))}.${typeof signature === 'string' ? signature : b64u(signature)}`;
const rs = (r: bigint, s: bigint) => Buffer.from(toHex32(r) + toHex32(s), 'hex');

describe.each(BACKEND_NAMES)('verifyJwt strict profile with the %s backend', (backendName) => {
  let m: JwtModules;
  beforeAll(async () => {
    m = await loadJwtModules(backendName);
  });

  function codeOf(key: unknown, token: unknown): string {
    try {
      m.api.verifyJwt(key as string, token as string, { now: NOW });
      return 'valid';
    } catch (error) {
      expect(error).toBeInstanceOf(m.api.GatewayError);
      return (error as { code: string }).code;
    }
  }
  const check = (token: unknown) => codeOf(ISSUER, token);

  it('accepts an OpenSSL-signed Portal token with the issuer key as hex (either case) or npub', () => {
    const token = signed(HEADER);
    for (const key of [ISSUER, ISSUER.toUpperCase(), npubEncode(ISSUER)]) expect(codeOf(key, token)).toBe('valid');
  });

  it('step 1: a bad issuer key is reported before anything about the token', () => {
    for (const key of [ISSUER.slice(1), offCurveX(ISSUER), '', undefined, 7]) {
      expect(codeOf(key, signed(HEADER))).toBe('ERR_KEY_INVALID');
      expect(codeOf(key, 'garbage')).toBe('ERR_KEY_INVALID');
    }
  });

  it('keeps answering correctly after verifying against hundreds of different keys', () => {
    const token = signed(HEADER);
    for (let i = 0; i < 300; i++) expect(codeOf(xOnlyOf(randomSecretHex(prng.bytes)), token)).toBe('ERR_JWT_SIGNATURE');
    expect(codeOf(ISSUER, token)).toBe('valid');
  });

  it('step 2: 4096 characters is the limit, measured before decoding', () => {
    // The payload segment that makes the whole token exactly 4096 characters: 4096 - 22 - 86 - 2.
    const base = `{"exp":${NOW + 3600},"target_key":"${TARGET}","pad":""}`;
    const payloadBytes = (3986 * 3) / 4 - 0.5; // 2989 bytes encode to 3986 characters
    const pad = 'x'.repeat(payloadBytes - base.length);
    const atLimit = signed(HEADER, base.replace('"pad":""', `"pad":"${pad}"`));
    expect(atLimit).toHaveLength(m.api.MAX_TOKEN_LENGTH);
    expect(check(atLimit)).toBe('valid');
    const overLimit = signed(HEADER, base.replace('"pad":""', `"pad":"${pad}x"`));
    expect(overLimit).toHaveLength(4097);
    expect(check(overLimit)).toBe('ERR_JWT_MALFORMED');
    expect(check(`${signed(HEADER)}${' '.repeat(5000)}`)).toBe('ERR_JWT_MALFORMED');
  });

  it('step 3: exactly three canonical base64url segments, header and payload non-empty', () => {
    const token = signed(HEADER);
    const [h, p, s] = token.split('.') as [string, string, string];
    for (const bad of [
      `${h}.${p}`,
      `${token}.`,
      `${token}.${s}`,
      `.${p}.${s}`,
      `${h}..${s}`,
      `${h}.${p}.${s}=`,
      `${h}=.${p}.${s}`,
      `${h}.${p} .${s}`,
      '',
      '..',
      token.replace(/-/g, '+'),
    ]) {
      if (bad === token) continue;
      expect(check(bad), bad.slice(0, 40)).toBe('ERR_JWT_MALFORMED');
    }
  });

  it('step 4: the header must be strict JSON', () => {
    const bom = Buffer.concat([Buffer.of(0xef, 0xbb, 0xbf), Buffer.from(HEADER)]);
    for (const header of [
      bom,
      Buffer.from('{"alg":"ES256K"'),
      Buffer.from('["ES256K"]'),
      Buffer.from('{"alg":"ES256K","alg":"ES256K"}'),
      Buffer.of(0x7b, 0xff, 0x7d),
    ]) {
      expect(check(signed(header))).toBe('ERR_JWT_MALFORMED');
    }
  });

  it('step 5: alg must be exactly "ES256K"', () => {
    for (const header of [
      '{"alg":"none"}',
      '{"alg":"HS256"}',
      '{"alg":"ES256"}',
      '{"alg":"es256k"}',
      '{"alg":"ES256K "}',
      '{}',
      '{"alg":null}',
      '{"alg":["ES256K"]}',
      '{"typ":"JWT"}',
    ]) {
      expect(check(signed(header)), header).toBe('ERR_JWT_ALG');
    }
  });

  it('step 6: no crit, no cty, and typ/kid must be strings; other members are ignored', () => {
    for (const header of [
      '{"alg":"ES256K","crit":["exp"]}',
      '{"alg":"ES256K","cty":"json"}',
      '{"alg":"ES256K","typ":1}',
      '{"alg":"ES256K","kid":{}}',
      '{"alg":"ES256K","kid":null}',
    ]) {
      expect(check(signed(header)), header).toBe('ERR_JWT_HEADER');
    }
    for (const header of [
      '{"alg":"ES256K","typ":"JWT"}',
      '{"kid":"k1","alg":"ES256K"}',
      '{"alg":"ES256K","x-custom":[1,2]}',
    ]) {
      expect(check(signed(header)), header).toBe('valid');
    }
  });

  it('checks the steps in order: alg before header, header before signature, signature before payload', () => {
    expect(check(signed('{"alg":"none","crit":[]}'))).toBe('ERR_JWT_ALG');
    expect(check(withSignature(signed('{"alg":"ES256K","cty":"x"}'), Buffer.alloc(64, 1)))).toBe('ERR_JWT_HEADER');
    expect(check(withSignature(signed(HEADER, '{"exp":1,"exp":2}'), Buffer.alloc(64, 1)))).toBe('ERR_JWT_SIGNATURE');
  });

  it('step 7: a 64-byte r||s signature with r and s in [1, n-1] that verifies for the lifted key', () => {
    const token = signed(HEADER);
    const signature = Buffer.from(token.split('.')[2]!, 'base64url');
    const r = BigInt('0x' + signature.subarray(0, 32).toString('hex'));
    const s = BigInt('0x' + signature.subarray(32).toString('hex'));
    const bad = [
      signature.subarray(0, 63),
      Buffer.concat([signature, Buffer.of(0)]),
      Buffer.alloc(0),
      rs(0n, s),
      rs(r, 0n),
      rs(N + 1n, s),
      rs(r, N + 1n),
      rs(N, s),
      rs(r, N),
      rs(r, (s + 1n) % N),
      Buffer.alloc(64),
      Buffer.alloc(64, 0xff),
    ];
    for (const sig of bad) expect(check(withSignature(token, sig))).toBe('ERR_JWT_SIGNATURE');
    expect(check(opensslSignedToken(OTHER_SECRET, HEADER, PAYLOAD))).toBe('ERR_JWT_SIGNATURE');
  });

  it('step 7: the high-S twin of a valid token is accepted, as Portal, OpenSSL and jose accept it', () => {
    const token = m.api.issueJwt(SECRET, TARGET, 1, { now: NOW });
    const twin = highSTwin(token);
    expect(isHighSToken(twin)).toBe(true);
    expect(m.api.verifyJwt(ISSUER, twin, { now: NOW })).toEqual(m.api.verifyJwt(ISSUER, token, { now: NOW }));
  });

  it('step 8: the payload must be strict JSON (checked after the signature)', () => {
    const bom = Buffer.concat([Buffer.of(0xef, 0xbb, 0xbf), Buffer.from(PAYLOAD)]);
    const payloads = [
      bom,
      Buffer.from(PAYLOAD.replace('{"exp"', '{"exp":1,"exp"')),
      Buffer.from('[1]'),
      Buffer.from(PAYLOAD.slice(0, -1)),
      Buffer.of(0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d),
    ];
    for (const payload of payloads) expect(check(signed(HEADER, payload))).toBe('ERR_JWT_MALFORMED');
  });

  it.each([undefined, null, 1, {}, ['a.b.c'], Buffer.from('a.b.c'), new String('a.b.c')])(
    'refuses the non-string token %s as malformed',
    (token) => {
      expect(check(token)).toBe('ERR_JWT_MALFORMED');
    },
  );

  it('decodeJwtWithoutVerifying parses strictly but ignores the signature and times', () => {
    const token = withSignature(signed(HEADER, `{"exp":1,"target_key":"x"}`), Buffer.alloc(64, 7));
    expect(m.api.decodeJwtWithoutVerifying(token)).toEqual({
      header: { alg: 'ES256K' },
      payload: { exp: 1, target_key: 'x' },
      signature: '07'.repeat(64),
    });
    expect(() => m.api.decodeJwtWithoutVerifying(signed('{"alg":"none"}'))).toThrow(m.api.JwtAlgorithmNotAllowed);
    expect(() => m.api.decodeJwtWithoutVerifying(`${signed(HEADER)}=`)).toThrow(m.api.JwtMalformed);
  });
});
