/**
 * Argument checks shared by every store implementation, so that all of them reject the same bad
 * input with the same typed error before touching the backing store.
 */
import { InvalidArgument, KeyInvalid } from '../../errors.js';
import { MAX_TIME_VALUE } from '../../keys/clock.js';
import {
  LOGIN_STATUSES,
  type LoginPatch,
  type LoginRecord,
  type LoginStatus,
  type SessionMeta,
  type SessionRecord,
  type UpdateLoginOptions,
} from './types.js';

const USER_KEY = /^[0-9a-f]{64}$/;
/** Visible ASCII only: ids become Redis keys and log fields, where spaces or controls would mislead. */
const ID = /^[\x21-\x7e]{1,256}$/;
const MAX_TEXT_LENGTH = 65_536;
const MAX_PERMISSIONS = 256;

function describe(value: unknown): string {
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  return value === null ? 'null' : `a ${typeof value}`;
}

export function assertUserKey(value: unknown, what = 'userKey'): asserts value is string {
  if (typeof value !== 'string' || !USER_KEY.test(value)) {
    throw new KeyInvalid(
      `${what} must be an x-only public key as 64 lower-case hex characters; got ${describe(value)}`,
    );
  }
}

/** Ids, jtis and token hashes: 1-256 visible ASCII characters. */
export function assertId(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || !ID.test(value)) {
    throw new InvalidArgument(`${what} must be 1-256 visible ASCII characters; got ${describe(value)}`);
  }
}

/** Unix seconds, as in JWT time claims. */
export function assertTime(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_TIME_VALUE) {
    throw new InvalidArgument(
      `${what} must be an integer number of Unix seconds in [0, ${MAX_TIME_VALUE}]; got ${describe(value)}`,
    );
  }
}

function assertOptionalText(value: unknown, what: string): asserts value is string | undefined {
  if (value === undefined) return;
  if (typeof value !== 'string' || value.length > MAX_TEXT_LENGTH) {
    throw new InvalidArgument(
      `${what} must be a string of at most ${MAX_TEXT_LENGTH} characters; got ${describe(value)}`,
    );
  }
}

function assertPermissions(value: unknown): asserts value is string[] {
  if (
    !Array.isArray(value) ||
    value.length > MAX_PERMISSIONS ||
    !value.every((p) => typeof p === 'string' && p.length > 0 && p.length <= 256)
  ) {
    throw new InvalidArgument(`permissions must be an array of at most ${MAX_PERMISSIONS} non-empty strings`);
  }
}

export function assertMeta(meta: SessionMeta | undefined): void {
  if (meta === undefined) return;
  if (typeof meta !== 'object' || meta === null) throw new InvalidArgument('session meta must be an object');
  assertOptionalText(meta.userAgent, 'userAgent');
  assertOptionalText(meta.clientIp, 'clientIp');
}

/** The arguments of `rotateRefreshToken`, checked alike by every backend. */
export function assertRotateArguments(
  oldHash: unknown,
  newHash: unknown,
  now: unknown,
  newExpiresAt: unknown,
  meta: SessionMeta | undefined,
): void {
  assertId(oldHash, 'oldHash');
  assertId(newHash, 'newHash');
  assertTime(now, 'now');
  if (newExpiresAt !== undefined) assertTime(newExpiresAt, 'newExpiresAt');
  assertMeta(meta);
}

/** Checks a new session and returns a copy without undefined fields (the shape every backend stores). */
export function validateSession(session: SessionRecord): SessionRecord {
  if (typeof session !== 'object' || session === null) throw new InvalidArgument('session must be an object');
  assertId(session.id, 'session id');
  assertUserKey(session.userKey);
  assertTime(session.createdAt, 'createdAt');
  assertTime(session.lastUsedAt, 'lastUsedAt');
  assertTime(session.expiresAt, 'expiresAt');
  if (session.revokedAt !== undefined) assertTime(session.revokedAt, 'revokedAt');
  assertMeta(session);
  assertPermissions(session.permissions);
  return withoutUndefined({ ...session, permissions: [...session.permissions] });
}

function assertStatus(value: unknown, what = 'status'): asserts value is LoginStatus {
  if (!(LOGIN_STATUSES as readonly unknown[]).includes(value)) {
    throw new InvalidArgument(`${what} must be one of ${LOGIN_STATUSES.join(', ')}; got ${describe(value)}`);
  }
}

export function validateLogin(record: LoginRecord): LoginRecord {
  if (typeof record !== 'object' || record === null) throw new InvalidArgument('login must be an object');
  assertId(record.id, 'login id');
  assertId(record.secretHash, 'secretHash');
  assertStatus(record.status);
  assertTime(record.createdAt, 'createdAt');
  assertTime(record.expiresAt, 'expiresAt');
  if (record.claimedAt !== undefined) assertTime(record.claimedAt, 'claimedAt');
  validateLoginPatch(record);
  return withoutUndefined({ ...record });
}

export function validateLoginPatch(patch: LoginPatch): LoginPatch {
  if (typeof patch !== 'object' || patch === null) throw new InvalidArgument('login patch must be an object');
  if (patch.status !== undefined) assertStatus(patch.status);
  if (patch.expiresAt !== undefined) assertTime(patch.expiresAt, 'expiresAt');
  if (patch.userKey !== undefined) assertUserKey(patch.userKey);
  assertOptionalText(patch.reason, 'reason');
  assertOptionalText(patch.sealedResult, 'sealedResult');
  return withoutUndefined({
    status: patch.status,
    expiresAt: patch.expiresAt,
    userKey: patch.userKey,
    reason: patch.reason,
    sealedResult: patch.sealedResult,
  });
}

/** The statuses a compare-and-set accepts, or undefined for an unconditional update. */
export function expectedStatuses(options: UpdateLoginOptions | undefined): readonly LoginStatus[] | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) throw new InvalidArgument('update options must be an object');
  const expect = options.expectStatus;
  if (expect === undefined) return undefined;
  const list = typeof expect === 'string' ? [expect] : expect;
  if (!Array.isArray(list) || list.length === 0)
    throw new InvalidArgument('expectStatus must be a status or a non-empty list of statuses');
  for (const status of list) assertStatus(status, 'expectStatus');
  return list;
}

/** A copy without the fields whose value is undefined: the one shape every backend stores and returns. */
export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
