import { describe, expect, it } from 'vitest';
import { npubEncode } from 'nostr-tools/nip19';
import { HandshakeUrlInvalid, InvalidArgument, KeyInvalid } from '../../src/errors.js';
import {
  buildHandshakeUrl,
  isValidHandshakeToken,
  parseHandshakeUrl,
  randomHandshakeToken,
} from '../../src/nostr/handshake-url.js';
import { parsePortalUrl } from '../support/wallet.js';

// The example of docs/protocol.md section 3.1.
const SERVICE_KEY = 'd1fa8e4dc4ecbc587834fbcecaf5e8a5bc6a7012310008878901acdb5fe4958f';
const DOC_EXAMPLE =
  'portal://npub168agunwyaj79s7p5l08v4a0g5k7x5uqjxyqq3pufqxkdkhlyjk8s9pzm6z?relays=wss%3A%2F%2Frelay.damus.io,wss%3A%2F%2Fnos.lol&token=token_1750000000123456789';
const OTHER_KEY = '9a0f017f984ebe5f7cf70bdf43b2173968f99f38bf0669a2bbf4c8bbcd482772';
const NPUB = npubEncode(SERVICE_KEY);

function parseError(input: unknown): HandshakeUrlInvalid {
  try {
    parseHandshakeUrl(input);
  } catch (error) {
    expect(error).toBeInstanceOf(HandshakeUrlInvalid);
    expect((error as HandshakeUrlInvalid).code).toBe('ERR_HANDSHAKE_URL');
    return error as HandshakeUrlInvalid;
  }
  throw new Error(`parsed: ${String(input)}`);
}

describe('buildHandshakeUrl', () => {
  it('reproduces the documented example byte for byte', () => {
    const url = buildHandshakeUrl({
      mainKey: SERVICE_KEY,
      relays: ['wss://relay.damus.io', 'wss://nos.lol'],
      token: 'token_1750000000123456789',
    });
    expect(url).toBe(DOC_EXAMPLE);
  });

  it('percent-encodes relays byte-wise with upper-case hex, leaving only A-Z a-z 0-9 - _ . ~', () => {
    const url = buildHandshakeUrl({ mainKey: SERVICE_KEY, relays: ["ws://h:1/a b,c!*'()~-_.é+"], token: 't' });
    expect(url).toBe(`portal://${NPUB}?relays=ws%3A%2F%2Fh%3A1%2Fa%20b%2Cc%21%2A%27%28%29~-_.%C3%A9%2B&token=t`);
  });

  it('adds subkey and no_request after the token, in the reference order', () => {
    const url = buildHandshakeUrl({
      mainKey: NPUB,
      relays: ['ws://127.0.0.1:7000'],
      token: 'abc',
      subkey: OTHER_KEY,
      noRequest: true,
    });
    expect(url).toBe(
      `portal://${NPUB}?relays=ws%3A%2F%2F127.0.0.1%3A7000&token=abc&subkey=${npubEncode(OTHER_KEY)}&no_request=true`,
    );
  });

  it('rejects tokens that would corrupt the raw URL, and bad relays and keys', () => {
    for (const token of ['', 'a&b', 'a=b', 'a,b', 'a#b', 'a%b', 'a b', 'é', 'x'.repeat(257)]) {
      expect(() => buildHandshakeUrl({ mainKey: SERVICE_KEY, relays: [], token })).toThrow(InvalidArgument);
    }
    expect(() => buildHandshakeUrl({ mainKey: SERVICE_KEY, relays: [''], token: 't' })).toThrow(InvalidArgument);
    expect(() => buildHandshakeUrl({ mainKey: SERVICE_KEY, relays: [7 as unknown as string], token: 't' })).toThrow(
      InvalidArgument,
    );
    expect(() => buildHandshakeUrl({ mainKey: 'abc', relays: [], token: 't' })).toThrow(KeyInvalid);
  });
});

describe('parseHandshakeUrl', () => {
  it('parses the documented example', () => {
    expect(parseHandshakeUrl(`  ${DOC_EXAMPLE}\n`)).toEqual({
      mainKey: SERVICE_KEY,
      relays: ['wss://relay.damus.io', 'wss://nos.lol'],
      token: 'token_1750000000123456789',
      noRequest: false,
    });
  });

  it('round-trips what it builds, and agrees with the wallet-side parser written from docs/protocol.md', () => {
    const relays = ['wss://relay.example.com/path?x=1&y=2', 'ws://127.0.0.1:7000', "ws://odd/é,+!'"];
    const url = buildHandshakeUrl({
      mainKey: SERVICE_KEY,
      relays,
      token: randomHandshakeToken(),
      subkey: OTHER_KEY,
      noRequest: true,
    });
    const parsed = parseHandshakeUrl(url);
    expect(parsed).toEqual({ mainKey: SERVICE_KEY, relays, token: parsed.token, subkey: OTHER_KEY, noRequest: true });
    expect(parsePortalUrl(url)).toEqual(parsed);
  });

  it('keeps the token verbatim, keeps + as a plus, ignores unknown keys and lets a repeated key overwrite', () => {
    const parsed = parseHandshakeUrl(
      `portal://${NPUB}?x=1&relays=a+b%2C,c&token=t%41=&relays=ws%3A%2F%2Fr&token=%41+b&no_request=TRUE`,
    );
    expect(parsed).toEqual({ mainKey: SERVICE_KEY, relays: ['ws://r'], token: '%41+b', noRequest: false });
    expect(parseHandshakeUrl(`portal://${NPUB}?relays=a+b%2C,c&token=x`).relays).toEqual(['a+b,', 'c']);
  });

  it('accepts an empty relays value as one empty relay, as the reference does', () => {
    expect(parseHandshakeUrl(`portal://${NPUB}?relays=&token=t`).relays).toEqual(['']);
  });

  it('rejects malformed URLs with HandshakeUrlInvalid', () => {
    const cases: [unknown, RegExp][] = [
      [42, /must be a string/],
      [`PORTAL://${NPUB}?relays=&token=t`, /must start with portal:\/\//],
      [`portal://${NPUB}`, /needs a query/],
      [`portal://${SERVICE_KEY}?relays=&token=t`, /must be a bech32 npub/],
      [`portal://${NPUB.slice(0, -1)}q?relays=&token=t`, /not a valid npub/],
      [`portal://${NPUB}?relays=&token=t&`, /has no "="/],
      [`portal://${NPUB}?relays=&token`, /has no "="/],
      [`portal://${NPUB}?relays=a`, /token parameter is missing/],
      [`portal://${NPUB}?token=t`, /relays parameter is missing/],
      [`portal://${NPUB}?relays=%E9&token=t`, /percent-encoding/],
      [`portal://${NPUB}?relays=%G1&token=t`, /percent-encoding/],
      [`portal://${NPUB}?relays=&token=t&subkey=${SERVICE_KEY}`, /subkey must be a bech32 npub/],
    ];
    for (const [input, message] of cases) expect(parseError(input).message).toMatch(message);
  });
});

describe('handshake tokens', () => {
  it('are 32 URL-safe characters carrying 192 random bits', () => {
    const tokens = new Set(Array.from({ length: 1000 }, randomHandshakeToken));
    expect(tokens.size).toBe(1000);
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(isValidHandshakeToken(token)).toBe(true);
    }
  });

  it('validates caller-chosen tokens', () => {
    expect(isValidHandshakeToken('token_1750000000123456789')).toBe(true);
    expect(isValidHandshakeToken('a.b~c-d_e')).toBe(true);
    for (const bad of ['', 'a b', 'a&b', 'a/b', null, 5]) expect(isValidHandshakeToken(bad)).toBe(false);
  });
});
