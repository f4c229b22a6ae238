/** What a session records about the client that created or used it. */
import type { FastifyRequest } from 'fastify';
import type { SessionMeta } from '../auth/stores/types.js';

export function clientMeta(request: FastifyRequest): SessionMeta {
  const userAgent = request.headers['user-agent'];
  return { clientIp: request.ip, ...(typeof userAgent === 'string' ? { userAgent: userAgent.slice(0, 256) } : {}) };
}
