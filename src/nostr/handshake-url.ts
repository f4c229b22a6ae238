/**
 * `portal://` key-handshake URLs (docs/protocol.md section 3): the link or QR code a wallet scans to start a login.
 *
 * `portal://<npub of main key>?relays=<r1>,<r2>&token=<token>[&subkey=<npub>][&no_request=true]`
 */
import { randomBytes } from 'node:crypto';
import { npubEncode } from 'nostr-tools/nip19';
import { HandshakeUrlInvalid, InvalidArgument } from '../errors.js';
import { normalizePublicKey } from '../keys/nostr-keys.js';

const SCHEME = 'portal://';

/** Bytes the reference leaves as they are when percent-encoding a relay URL. */
const UNRESERVED_BYTE = /^[A-Za-z0-9\-_.~]$/;

/**
 * Tokens are inserted raw (docs/protocol.md 3.1), so a token with `&`, `=`, `,`, `#`, `%` or spaces
 * would corrupt the URL (6.3): only characters that never need escaping are allowed.
 */
const TOKEN_PATTERN = /^[A-Za-z0-9._~-]{1,256}$/;

export interface HandshakeUrlParams {
  /** The service's main key (hex or npub). */
  mainKey: string;
  relays: readonly string[];
  token: string;
  /** The service's own key when it runs on a subkey of `mainKey` (hex or npub). */
  subkey?: string;
  noRequest?: boolean;
}

/** A parsed handshake URL; keys are x-only hex. */
export interface HandshakeUrl {
  mainKey: string;
  relays: string[];
  token: string;
  subkey?: string;
  noRequest: boolean;
}

/**
 * A fresh handshake token: 192 random bits as 32 base64url characters. Unlike the reference default
 * (`token_` + time in nanoseconds) it cannot be guessed by someone who knows when a login started.
 */
export function randomHandshakeToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Is `token` usable raw in a handshake URL (1-256 characters from `A-Z a-z 0-9 . _ ~ -`)? */
export function isValidHandshakeToken(token: unknown): token is string {
  return typeof token === 'string' && TOKEN_PATTERN.test(token);
}

/** Byte-wise percent-encoding of UTF-8 with upper-case hex, as the reference does for relay URLs. */
function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += UNRESERVED_BYTE.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Builds the URL in the reference's parameter order; throws InvalidArgument or KeyInvalid. */
export function buildHandshakeUrl(params: HandshakeUrlParams): string {
  if (!isValidHandshakeToken(params.token)) {
    throw new InvalidArgument('handshake token must be 1-256 characters from A-Z a-z 0-9 . _ ~ -');
  }
  if (!Array.isArray(params.relays) || params.relays.some((relay) => typeof relay !== 'string' || relay === '')) {
    throw new InvalidArgument('relays must be a list of non-empty relay URLs');
  }
  let url = `${SCHEME}${npubEncode(normalizePublicKey(params.mainKey, 'main key'))}`;
  url += `?relays=${params.relays.map(percentEncode).join(',')}&token=${params.token}`;
  if (params.subkey !== undefined) url += `&subkey=${npubEncode(normalizePublicKey(params.subkey, 'subkey'))}`;
  if (params.noRequest) url += '&no_request=true';
  return url;
}

function parseNpub(text: string, what: string): string {
  if (!text.startsWith('npub1')) throw new HandshakeUrlInvalid(`${what} must be a bech32 npub`);
  try {
    return normalizePublicKey(text, what);
  } catch (error) {
    throw new HandshakeUrlInvalid(`${what} is not a valid npub: ${(error as Error).message}`);
  }
}

function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text); // `+` stays a plus (docs/protocol.md 3.2)
  } catch {
    throw new HandshakeUrlInvalid('a relay has a malformed percent-encoding or is not UTF-8');
  }
}

/** Parses a handshake URL the way a wallet does (docs/protocol.md 3.2); throws HandshakeUrlInvalid. */
export function parseHandshakeUrl(input: unknown): HandshakeUrl {
  if (typeof input !== 'string') throw new HandshakeUrlInvalid('a handshake URL must be a string');
  const text = input.trim();
  if (!text.startsWith(SCHEME)) throw new HandshakeUrlInvalid(`a handshake URL must start with ${SCHEME}`);
  const rest = text.slice(SCHEME.length);
  const queryStart = rest.indexOf('?');
  if (queryStart < 0) throw new HandshakeUrlInvalid('a handshake URL needs a query (?relays=…&token=…)');
  const mainKey = parseNpub(rest.slice(0, queryStart), 'main key');

  const values = new Map<string, string>();
  for (const piece of rest.slice(queryStart + 1).split('&')) {
    const eq = piece.indexOf('=');
    if (eq < 0) throw new HandshakeUrlInvalid('a query parameter has no "="'); // no echo: the URL carries the login token
    values.set(piece.slice(0, eq), piece.slice(eq + 1)); // a repeated key overwrites the earlier one
  }
  const token = values.get('token');
  if (token === undefined) throw new HandshakeUrlInvalid('the token parameter is missing');
  const relays = values.get('relays');
  if (relays === undefined) throw new HandshakeUrlInvalid('the relays parameter is missing');
  const subkey = values.get('subkey');
  const url: HandshakeUrl = {
    mainKey,
    relays: relays.split(',').map(percentDecode),
    token,
    noRequest: values.get('no_request') === 'true',
  };
  if (subkey !== undefined) url.subkey = parseNpub(subkey, 'subkey');
  return url;
}
