/**
 * Relays at run time, for admins (same credential and rate limit as the other /admin endpoints):
 *   GET    /admin/relays                  each relay: url, state, live subscriptions, counters, last error
 *   POST   /admin/relays { url }           connect a relay; new portal:// URLs name it at once
 *   DELETE /admin/relays { url } | ?url=   disconnect a relay
 * Changes last until the next SIGHUP reload or restart, which apply the configured list again.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { addRelay, removeRelay } from '../nostr/relay-list.js';
import { relayUrlProblem } from '../config/relays.js';
import { BadRequest } from '../errors.js';
import { logEvent } from '../events.js';
import type { GatewayPaths } from '../gateway-endpoints.js';
import type { RelayPool } from '../nostr/relay-pool.js';
import type { AdminAuthenticator } from '../access/admin-auth.js';
import { redactUrl } from '../http/logging.js';
import type { RateLimitedRoute } from './rate-limits.js';

/** `url` from the JSON body or, for DELETE (bodies there are unusual), the query string. */
function relayUrlOf(request: FastifyRequest): string {
  const body = request.body as Record<string, unknown> | null | undefined;
  const query = request.query as Record<string, unknown>;
  const fromBody = typeof body === 'object' && body !== null ? body.url : undefined;
  const fromQuery = query.url;
  if (fromBody !== undefined && fromQuery !== undefined && fromBody !== fromQuery)
    throw new BadRequest('url is given in both the body and the query, differently');
  const url = fromBody ?? fromQuery;
  if (url === undefined) throw new BadRequest('url is required: a JSON body { "url": "wss://…" } or ?url=');
  const problem = relayUrlProblem(url);
  // The problem text never quotes the value, which could be anything.
  if (problem) throw new BadRequest(`url ${problem}`);
  return url as string;
}

export function registerRelayAdminRoutes(
  app: FastifyInstance,
  paths: GatewayPaths,
  pool: RelayPool,
  admin: AdminAuthenticator,
  limited: RateLimitedRoute,
): void {
  const statusOf = (url: string) => pool.status().find((relay) => relay.url === url);

  app.get(paths.adminRelays, { config: limited }, async (request, reply) => {
    await admin.authenticate(request);
    return reply.header('cache-control', 'no-store').send({ relays: pool.status() });
  });

  app.post(paths.adminRelays, { config: limited }, async (request, reply) => {
    const who = await admin.authenticate(request);
    const url = relayUrlOf(request);
    const added = addRelay(pool, url);
    if (added) logEvent(request.log, 'relay_added', { admin: who, relay: redactUrl(url) });
    return reply.code(added ? 201 : 200).send({ added, relay: statusOf(url), relays: pool.relays });
  });

  app.delete(paths.adminRelays, { config: limited }, async (request, reply) => {
    const who = await admin.authenticate(request);
    const url = relayUrlOf(request);
    removeRelay(pool, url);
    logEvent(request.log, 'relay_removed', { admin: who, relay: redactUrl(url) });
    return reply.send({ removed: url, relays: pool.relays });
  });
}
