/**
 * Contents of the Portal login events (docs/protocol.md section 4), with no I/O: NIP-44 v2 sealing and opening,
 * the AUTH_CHALLENGE the service sends, and strict parsers for what wallets send. Parsers return a
 * result instead of throwing, because every input here comes from strangers on public relays.
 */
import { randomInt } from 'node:crypto';
import type { NostrEvent } from 'nostr-tools/core';
import { decrypt as nip44Decrypt, encrypt as nip44Encrypt } from 'nostr-tools/nip44';
import { finalizeEvent } from 'nostr-tools/pure';
import { findDuplicateMember } from '../encoding/strict-json.js';
import { conversationKey } from './nip44-conversation-key.js';
import type { SubkeyPermission, SubkeyProof } from './subkey.js';

/** Encrypted content larger than this is dropped before any decryption work. */
export const MAX_CONTENT_BYTES = 64 * 1024;

export type MessageProblem = 'oversized' | 'undecryptable' | 'malformed';
export type ParseResult<T> = { ok: true; value: T } | { ok: false; problem: MessageProblem; detail: string };

/** KEY_HANDSHAKE (27010) content, wallet → service. */
export interface KeyHandshake {
  token: string;
  preferredRelays: string[];
  clientInfo: { name?: string; version?: string };
}

/** AUTH_CHALLENGE (27000) content, service → wallet. */
export interface AuthChallenge {
  challenge: string;
  expiresAtSec: number;
  requiredPermissions: readonly string[];
}

export type AuthResponseStatus =
  | { status: 'approved'; grantedPermissions: string[]; sessionToken: string }
  | { status: 'declined'; reason: string | null };

/** AUTH_RESPONSE (27001) content, wallet → service. */
export interface AuthResponse {
  challenge: string;
  status: AuthResponseStatus;
  subkeyProof: SubkeyProof | null;
}

type JsonObject = Record<string, unknown>;

const CHALLENGE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX64 = /^[0-9a-fA-F]{64}$/;
const DECIMAL_TIMESTAMP = /^(0|[1-9][0-9]{0,14})$/; // up to 15 digits: always a safe integer
const PERMISSIONS: readonly string[] = ['auth', 'payment'] satisfies SubkeyPermission[];

/** 32 characters from [A-Za-z0-9], uniformly (randomInt rejects biased draws). */
export function randomChallenge(): string {
  let out = '';
  for (let i = 0; i < 32; i++) out += CHALLENGE_ALPHABET[randomInt(CHALLENGE_ALPHABET.length)];
  return out;
}

/** NIP-44 v2 encryption of `plaintext` from `secretKey` to `recipientKey` (x-only hex). */
export function encryptContent(plaintext: string, secretKey: Uint8Array, recipientKey: string): string {
  return nip44Encrypt(plaintext, conversationKey(secretKey, recipientKey));
}

/**
 * NIP-44 v2 decryption of content from `senderKey`. There is no plaintext fallback (docs/protocol.md 6.4):
 * content that does not decrypt is dropped, even when it happens to be JSON.
 */
export function decryptContent(
  payload: string,
  secretKey: Uint8Array,
  senderKey: string,
  maxBytes = MAX_CONTENT_BYTES,
): ParseResult<string> {
  if (payload.length > maxBytes)
    return fail('oversized', `content of ${payload.length} characters exceeds ${maxBytes}`);
  try {
    return { ok: true, value: nip44Decrypt(payload, conversationKey(secretKey, senderKey)) };
  } catch (error) {
    return fail('undecryptable', `not NIP-44 v2 for this key: ${(error as Error).message}`);
  }
}

/** A signed event (NIP-01 id and BIP-340 signature) stamped now. */
export function signEvent(secretKey: Uint8Array, kind: number, tags: string[][], content: string): NostrEvent {
  return finalizeEvent({ kind, tags, content, created_at: Math.floor(Date.now() / 1000) }, secretKey);
}

/** Keys sorted alphabetically, as the reference emits them; `expires_at` is a decimal string. */
export function buildAuthChallengeContent(challenge: AuthChallenge): string {
  return JSON.stringify({
    challenge: challenge.challenge,
    expires_at: String(challenge.expiresAtSec),
    required_permissions: challenge.requiredPermissions,
    subkey_proof: null,
  });
}

export function parseKeyHandshake(plaintext: string): ParseResult<KeyHandshake> {
  const json = parseObject(plaintext);
  if (!json.ok) return json;
  const { token, preferred_relays: relays, client_info: info } = json.value;
  if (typeof token !== 'string') return fail('malformed', 'token must be a string');
  if (!isStringArray(relays)) return fail('malformed', 'preferred_relays must be a list of strings');
  if (!isObject(info)) return fail('malformed', 'client_info must be an object');
  const clientInfo: KeyHandshake['clientInfo'] = {};
  if (typeof info.name === 'string') clientInfo.name = info.name;
  if (typeof info.version === 'string') clientInfo.version = info.version;
  return { ok: true, value: { token, preferredRelays: relays, clientInfo } };
}

export function parseAuthResponse(plaintext: string): ParseResult<AuthResponse> {
  const json = parseObject(plaintext);
  if (!json.ok) return json;
  const { challenge, status, subkey_proof: proofJson } = json.value;
  if (typeof challenge !== 'string') return fail('malformed', 'challenge must be a string');
  const parsedStatus = parseStatus(status);
  if (typeof parsedStatus === 'string') return fail('malformed', parsedStatus);
  let subkeyProof: SubkeyProof | null = null;
  if (proofJson !== undefined && proofJson !== null) {
    const proof = parseSubkeyProof(proofJson);
    if (typeof proof === 'string') return fail('malformed', `subkey_proof: ${proof}`);
    subkeyProof = proof;
  }
  return { ok: true, value: { challenge, status: parsedStatus, subkeyProof } };
}

/** The inner `status` object, tagged by its own `status` member; a string says what is wrong. */
function parseStatus(status: unknown): AuthResponseStatus | string {
  if (!isObject(status)) return 'status must be an object';
  if (status.status === 'approved') {
    const { granted_permissions: granted, session_token: sessionToken } = status;
    if (!isStringArray(granted)) return 'granted_permissions must be a list of strings';
    if (typeof sessionToken !== 'string') return 'session_token must be a string';
    return { status: 'approved', grantedPermissions: granted, sessionToken };
  }
  if (status.status === 'declined') {
    const reason = status.reason ?? null;
    if (reason !== null && typeof reason !== 'string') return 'reason must be a string or null';
    return { status: 'declined', reason };
  }
  return 'status.status must be "approved" or "declined"';
}

function parseSubkeyProof(proof: unknown): SubkeyProof | string {
  if (!isObject(proof)) return 'must be an object';
  const { main_key: mainKey, metadata } = proof;
  if (typeof mainKey !== 'string' || !HEX64.test(mainKey)) return 'main_key must be 64 hex characters';
  if (!isObject(metadata)) return 'metadata must be an object';
  const { name, nonce, valid_from: validFrom, expires_at: expiresAt, permissions, version } = metadata;
  if (typeof name !== 'string' || Buffer.byteLength(name) > 0xffff) return 'metadata.name must be a string';
  if (typeof nonce !== 'string' || !HEX64.test(nonce)) return 'metadata.nonce must be 64 hex characters';
  if (typeof validFrom !== 'string' || !DECIMAL_TIMESTAMP.test(validFrom))
    return 'metadata.valid_from must be a decimal string';
  if (typeof expiresAt !== 'string' || !DECIMAL_TIMESTAMP.test(expiresAt))
    return 'metadata.expires_at must be a decimal string';
  if (!isStringArray(permissions) || !permissions.every((p) => PERMISSIONS.includes(p))) {
    return 'metadata.permissions must list only "auth" and "payment"';
  }
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0 || version > 255) {
    return 'metadata.version must be an integer 0-255';
  }
  return {
    mainKey: mainKey.toLowerCase(),
    metadata: {
      name,
      nonce: nonce.toLowerCase(),
      validFromSec: Number(validFrom),
      expiresAtSec: Number(expiresAt),
      permissions: permissions as SubkeyPermission[],
      version,
    },
  };
}

/** A JSON object with no member repeated at any depth (JSON.parse would silently keep the last). */
function parseObject(text: string): ParseResult<JsonObject> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail('malformed', 'content is not JSON');
  }
  if (!isObject(value)) return fail('malformed', 'content is not a JSON object');
  const duplicate = findDuplicateMember(text);
  if (duplicate !== undefined)
    return fail('malformed', `content repeats the member ${JSON.stringify(duplicate.slice(0, 40))}`);
  return { ok: true, value };
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function fail(problem: MessageProblem, detail: string): { ok: false; problem: MessageProblem; detail: string } {
  return { ok: false, problem, detail };
}
