/** Row <-> record mapping for the SQLite tables (NULL columns become absent fields). */
import type { LoginRecord, LoginStatus, SessionRecord } from '../types.js';

export interface SessionRow {
  id: string;
  user_key: string;
  created_at: number;
  last_used_at: number;
  expires_at: number;
  revoked_at: number | null;
  user_agent: string | null;
  client_ip: string | null;
  permissions: string;
}

export interface LoginRow {
  id: string;
  status: LoginStatus;
  created_at: number;
  expires_at: number;
  secret_hash: string;
  user_key: string | null;
  reason: string | null;
  sealed_result: string | null;
  claimed_at: number | null;
}

function optional<K extends string, V>(key: K, value: V | null): { [P in K]?: V } {
  return (value === null ? {} : { [key]: value }) as { [P in K]?: V };
}

export function sessionFromRow(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    userKey: row.user_key,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    ...optional('revokedAt', row.revoked_at),
    ...optional('userAgent', row.user_agent),
    ...optional('clientIp', row.client_ip),
    permissions: JSON.parse(row.permissions) as string[],
  };
}

export function sessionToRow(session: SessionRecord): SessionRow {
  return {
    id: session.id,
    user_key: session.userKey,
    created_at: session.createdAt,
    last_used_at: session.lastUsedAt,
    expires_at: session.expiresAt,
    revoked_at: session.revokedAt ?? null,
    user_agent: session.userAgent ?? null,
    client_ip: session.clientIp ?? null,
    permissions: JSON.stringify(session.permissions),
  };
}

export function loginFromRow(row: LoginRow): LoginRecord {
  return {
    id: row.id,
    status: row.status,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    secretHash: row.secret_hash,
    ...optional('userKey', row.user_key),
    ...optional('reason', row.reason),
    ...optional('sealedResult', row.sealed_result),
    ...optional('claimedAt', row.claimed_at),
  };
}

export function loginToRow(login: LoginRecord): LoginRow {
  return {
    id: login.id,
    status: login.status,
    created_at: login.createdAt,
    expires_at: login.expiresAt,
    secret_hash: login.secretHash,
    user_key: login.userKey ?? null,
    reason: login.reason ?? null,
    sealed_result: login.sealedResult ?? null,
    claimed_at: login.claimedAt ?? null,
  };
}
