/**
 * The SQLite schema, one migration per `user_version`. Append migrations; never edit a shipped one,
 * so a file written by any release opens with any later release.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_key TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER,
    user_agent TEXT,
    client_ip TEXT,
    permissions TEXT NOT NULL
  );
  CREATE INDEX sessions_by_user ON sessions (user_key);
  CREATE INDEX sessions_by_expiry ON sessions (expires_at);

  CREATE TABLE refresh_tokens (
    hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    state TEXT NOT NULL CHECK (state IN ('active', 'used')),
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id);

  CREATE TABLE revoked_jtis (
    jti TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
  );

  CREATE TABLE user_not_before (
    user_key TEXT PRIMARY KEY,
    not_before INTEGER NOT NULL
  );

  CREATE TABLE logins (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    secret_hash TEXT NOT NULL,
    user_key TEXT,
    reason TEXT,
    sealed_result TEXT,
    claimed_at INTEGER
  );
  CREATE INDEX logins_by_expiry ON logins (expires_at);

  CREATE TABLE users (
    user_key TEXT PRIMARY KEY,
    first_login_at INTEGER NOT NULL,
    last_login_at INTEGER NOT NULL
  );
  `,
  // Version 2: a counter every revocation raises in its own transaction, so that other processes on the
  // file (another gateway, an app embedding portalAuth) notice revocations by reading one row.
  `
  CREATE TABLE revocation_revision (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    revision INTEGER NOT NULL
  );
  INSERT INTO revocation_revision (id, revision) VALUES (1, 0);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
