/**
 * Lua scripts for the parts that must be atomic. They make the same decisions, in the same order,
 * as ../rules.ts does for the in-process stores. Some scripts derive a session key from stored
 * data, which is fine on a single Redis server (or a replicated one) but not on Redis Cluster.
 * Needs Redis >= 7.0 (PEXPIREAT NX/GT, PEXPIRETIME).
 */

/** Failures meant for the caller start with this word; connection.ts maps them to StoreConflict. */
export const CONFLICT = 'CONFLICT';

/** KEYS: session, refresh token, user's session set. ARGV: id, expiresAtMs, refreshExpiresAt, field/value pairs... */
export const CREATE_SESSION = `
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('${CONFLICT} session ' .. ARGV[1] .. ' already exists') end
if redis.call('EXISTS', KEYS[2]) == 1 then return redis.error_reply('${CONFLICT} refresh token hash already exists') end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
redis.call('HSET', KEYS[2], 'sessionId', ARGV[1], 'state', 'active', 'expiresAt', ARGV[3])
redis.call('PEXPIREAT', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('PEXPIREAT', KEYS[3], ARGV[2], 'NX')
redis.call('PEXPIREAT', KEYS[3], ARGV[2], 'GT')
return 1
`;

/**
 * KEYS: old token, new token. ARGV: session key prefix, now, newExpiresAt ('' keeps the old token's), field/value
 * pairs of client details... Returns {outcome, session id, session pairs}.
 */
export const ROTATE_REFRESH_TOKEN = `
local token = redis.call('HMGET', KEYS[1], 'sessionId', 'state', 'expiresAt')
if not token[1] then return {'unknown'} end
local sessionKey = ARGV[1] .. token[1]
local session = redis.call('HMGET', sessionKey, 'revokedAt', 'expiresAt')
if not session[2] then return {'unknown'} end
local now = tonumber(ARGV[2])
local outcome
if session[1] then
  outcome = 'revoked'
elseif now >= tonumber(session[2]) then
  outcome = 'expired'
elseif token[2] == 'used' then
  outcome = 'reused'
  redis.call('HSET', sessionKey, 'revokedAt', ARGV[2])
elseif now >= tonumber(token[3]) then
  outcome = 'expired'
else
  if redis.call('EXISTS', KEYS[2]) == 1 then return redis.error_reply('${CONFLICT} refresh token hash already exists') end
  outcome = 'rotated'
  redis.call('HSET', KEYS[1], 'state', 'used')
  local expiresAt = ARGV[3]
  if expiresAt == '' then expiresAt = token[3] end
  redis.call('HSET', KEYS[2], 'sessionId', token[1], 'state', 'active', 'expiresAt', expiresAt)
  redis.call('PEXPIREAT', KEYS[2], redis.call('PEXPIRETIME', sessionKey))
  redis.call('HSET', sessionKey, 'lastUsedAt', ARGV[2], unpack(ARGV, 4))
end
return {outcome, token[1], redis.call('HGETALL', sessionKey)}
`;

/** KEYS: session. ARGV: now, field/value pairs of client details... */
export const TOUCH_SESSION = `
local session = redis.call('HMGET', KEYS[1], 'revokedAt', 'expiresAt')
if not session[2] or session[1] or tonumber(ARGV[1]) >= tonumber(session[2]) then return 0 end
redis.call('HSET', KEYS[1], 'lastUsedAt', ARGV[1], unpack(ARGV, 2))
return 1
`;

/** KEYS: session. ARGV: now. */
export const REVOKE_SESSION = `
local session = redis.call('HMGET', KEYS[1], 'revokedAt', 'expiresAt')
if not session[2] or session[1] then return 0 end
redis.call('HSET', KEYS[1], 'revokedAt', ARGV[1])
return 1
`;

/** KEYS: user's session set. ARGV: session key prefix, now. Also forgets ids whose session expired. */
export const REVOKE_USER_SESSIONS = `
local count = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local key = ARGV[1] .. id
  local session = redis.call('HMGET', key, 'revokedAt', 'expiresAt')
  if not session[2] then
    redis.call('SREM', KEYS[1], id)
  elseif not session[1] then
    redis.call('HSET', key, 'revokedAt', ARGV[2])
    count = count + 1
  end
end
return count
`;

/** KEYS: jti set. ARGV: jti, expiresAt, channel, now. Keeps the later expiry; prunes expired jtis. */
export const REVOKE_JTI = `
redis.call('ZADD', KEYS[1], 'GT', ARGV[2], ARGV[1])
local effective = redis.call('ZSCORE', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[4])
redis.call('PUBLISH', ARGV[3], 'jti ' .. effective .. ' ' .. ARGV[1])
return 1
`;

/** KEYS: watermark hash. ARGV: userKey, notBefore, channel. Returns the watermark in force. */
export const RAISE_NOT_BEFORE = `
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '-1')
local wanted = tonumber(ARGV[2])
if wanted > current then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  current = wanted
end
redis.call('PUBLISH', ARGV[3], 'not-before ' .. string.format('%d', current) .. ' ' .. ARGV[1])
return current
`;

/** KEYS: login. ARGV: expiresAtMs, field/value pairs... */
export const CREATE_LOGIN = `
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('${CONFLICT} login already exists') end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
return 1
`;

/** KEYS: login. ARGV: channel, id, accepted statuses (space-separated, '' = any), expiresAtMs or '', pairs... */
export const UPDATE_LOGIN = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 0 end
if ARGV[3] ~= '' then
  local accepted = false
  for expected in string.gmatch(ARGV[3], '%S+') do
    if expected == status then accepted = true end
  end
  if not accepted then return 0 end
end
if #ARGV >= 5 then redis.call('HSET', KEYS[1], unpack(ARGV, 5)) end
if ARGV[4] ~= '' then redis.call('PEXPIREAT', KEYS[1], ARGV[4]) end
redis.call('PUBLISH', ARGV[1], ARGV[2])
return 1
`;

/** KEYS: login. ARGV: channel, id, secretHash, now. Returns the claimed record's pairs, or nil. */
export const CLAIM_LOGIN = `
local login = redis.call('HMGET', KEYS[1], 'status', 'secretHash', 'claimedAt', 'expiresAt')
if login[1] ~= 'approved' or login[2] ~= ARGV[3] or login[3] or tonumber(ARGV[4]) >= tonumber(login[4]) then return false end
redis.call('HSET', KEYS[1], 'claimedAt', ARGV[4])
local record = redis.call('HGETALL', KEYS[1])
redis.call('HDEL', KEYS[1], 'sealedResult')
redis.call('PUBLISH', ARGV[1], ARGV[2])
return record
`;
