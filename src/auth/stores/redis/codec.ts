/**
 * Records as Redis hash fields (numbers as decimal text, permissions as JSON), and the text of the
 * pub/sub messages. Absent optional fields are simply not stored.
 */
import {
  LOGIN_STATUSES,
  type LoginRecord,
  type LoginStatus,
  type RevocationEvent,
  type SessionRecord,
} from '../types.js';
import { withoutUndefined } from '../validate.js';

export type Fields = Record<string, string>;

/** Flat [field, value, ...] pairs for HSET, skipping undefined values. */
export function toPairs(record: Record<string, string | number | undefined>): string[] {
  return Object.entries(record).flatMap(([field, value]) => (value === undefined ? [] : [field, String(value)]));
}

/** A Lua HGETALL reply ([field, value, ...]) as an object. */
export function fromPairs(pairs: unknown): Fields {
  const fields: Fields = {};
  if (!Array.isArray(pairs)) return fields;
  for (let i = 0; i + 1 < pairs.length; i += 2) fields[String(pairs[i])] = String(pairs[i + 1]);
  return fields;
}

function optionalNumber(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Number(text);
}

export function sessionToPairs(session: SessionRecord): string[] {
  const { id: _id, permissions, ...rest } = session;
  return toPairs({ ...rest, permissions: JSON.stringify(permissions) });
}

/** Undefined for an empty hash (the key does not exist). */
export function sessionFromFields(id: string, fields: Fields): SessionRecord | undefined {
  if (fields.userKey === undefined || fields.expiresAt === undefined) return undefined;
  return withoutUndefined({
    id,
    userKey: fields.userKey,
    createdAt: Number(fields.createdAt),
    lastUsedAt: Number(fields.lastUsedAt),
    expiresAt: Number(fields.expiresAt),
    revokedAt: optionalNumber(fields.revokedAt),
    userAgent: fields.userAgent,
    clientIp: fields.clientIp,
    permissions: JSON.parse(fields.permissions ?? '[]') as string[],
  });
}

export function loginToPairs(login: Partial<LoginRecord>): string[] {
  const { id: _id, ...rest } = login;
  return toPairs(rest);
}

export function loginFromFields(id: string, fields: Fields): LoginRecord | undefined {
  if (fields.status === undefined || !isLoginStatus(fields.status) || fields.expiresAt === undefined) return undefined;
  return withoutUndefined({
    id,
    status: fields.status,
    createdAt: Number(fields.createdAt),
    expiresAt: Number(fields.expiresAt),
    secretHash: fields.secretHash ?? '',
    userKey: fields.userKey,
    reason: fields.reason,
    sealedResult: fields.sealedResult,
    claimedAt: optionalNumber(fields.claimedAt),
  });
}

const REVOCATION_MESSAGE = /^(jti|not-before) (\d+) ([\x21-\x7e]+)$/;

/** Parses a message of the revocation channel (written by scripts.ts); undefined if malformed. */
export function parseRevocationMessage(message: string): RevocationEvent | undefined {
  const match = REVOCATION_MESSAGE.exec(message);
  if (!match) return undefined;
  const [, kind, time, subject] = match as unknown as [string, string, string, string];
  return kind === 'jti'
    ? { kind, jti: subject, expiresAt: Number(time) }
    : { kind: 'not-before', userKey: subject, notBefore: Number(time) };
}

function isLoginStatus(value: string): value is LoginStatus {
  return (LOGIN_STATUSES as readonly string[]).includes(value);
}
