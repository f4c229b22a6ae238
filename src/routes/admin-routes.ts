/**
 * Service-to-service tokens and discovery (under gatewayPrefix; the discovery document at the root as well
 * when it is free, see discoveryPaths):
 *   POST /admin/tokens { target_key, duration_hours, permissions? }  flow-A token for another service
 *   GET  /.well-known/portal-gateway                                 service key, trusted issuers, relays
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { npubEncode } from 'nostr-tools/nip19';
import type { GatewayConfig } from '../config/types.js';
import { BadRequest } from '../errors.js';
import { logEvent } from '../events.js';
import type { GatewayPaths } from '../gateway-endpoints.js';
import type { ServiceIdentity } from '../jwt/service-identity.js';
import { normalizePublicKey } from '../keys/nostr-keys.js';
import type { AdminAuthenticator } from '../access/admin-auth.js';
import type { RateLimitedRoute } from './rate-limits.js';

const MAX_DURATION_HOURS = 24 * 365;

function parseIssueRequest(body: unknown): { targetKey: string; ttlSec: number; permissions: string[] } {
  if (typeof body !== 'object' || body === null)
    throw new BadRequest('body must be a JSON object { target_key, duration_hours, permissions? }');
  const { target_key, duration_hours, permissions } = body as Record<string, unknown>;
  const targetKey = normalizePublicKey(target_key, 'target_key');
  if (
    typeof duration_hours !== 'number' ||
    !Number.isFinite(duration_hours) ||
    duration_hours <= 0 ||
    duration_hours > MAX_DURATION_HOURS
  ) {
    throw new BadRequest(`duration_hours must be a number above 0 and at most ${MAX_DURATION_HOURS}`);
  }
  if (
    permissions !== undefined &&
    (!Array.isArray(permissions) || !permissions.every((p) => typeof p === 'string' && p !== '' && p.length <= 64))
  ) {
    throw new BadRequest('permissions must be an array of non-empty strings');
  }
  return {
    targetKey,
    ttlSec: Math.max(1, Math.round(duration_hours * 3600)),
    permissions: (permissions as string[] | undefined) ?? [],
  };
}

export function registerAdminRoutes(
  app: FastifyInstance,
  config: GatewayConfig,
  paths: GatewayPaths,
  /** Where the discovery document is served (see discoveryPaths). */
  discoveryAt: readonly string[],
  /** The gateway's identity: its issuer signs the tokens, its keys are in the discovery document. */
  service: ServiceIdentity,
  admin: AdminAuthenticator,
  limited: RateLimitedRoute,
  /** The relays in use now (they can change at run time: /admin/relays, SIGHUP). */
  relays: () => readonly string[],
): void {
  app.post(paths.adminTokens, { config: limited }, async (request, reply) => {
    const who = await admin.authenticate(request);
    const { targetKey, ttlSec, permissions } = parseIssueRequest(request.body);
    const jti = randomBytes(16).toString('base64url');
    const token = service.issuer.issue(targetKey, { ttlSec, extraClaims: { jti, permissions } });
    // Audit line: who issued what for whom; never the token.
    logEvent(
      request.log,
      'admin_token_issued',
      { admin: who, target: npubEncode(targetKey), ttlSec, permissions, jti },
      'info',
      'service token issued',
    );
    // 200 with { token }, as Portal's own POST /jwt/issue answers.
    return reply
      .code(200)
      .header('cache-control', 'no-store')
      .send({ token, token_type: 'Bearer', target_key: targetKey, expires_in: ttlSec, jti, permissions });
  });

  const discovery = async () => ({
    service_pubkey: service.publicKey,
    service_npub: service.npub,
    trusted_issuers: config.trustedIssuers,
    relays: relays(),
    algorithms: ['ES256K'],
    gateway_prefix: paths.prefix,
  });
  for (const path of discoveryAt) app.get(path, discovery);
}
