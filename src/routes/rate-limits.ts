/**
 * Rate limits (@fastify/rate-limit) on the state-changing /auth and /admin endpoints: per user when the
 * caller is signed in, else per client address. Counters are per replica (in memory).
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { RateLimitConfig } from '../config/types.js';
import { RateLimited } from '../errors.js';

/** Route config that turns the limit on for one route. */
export interface RateLimitedRoute {
  rateLimit: { max: number; timeWindow: number };
}

export async function registerRateLimits(app: FastifyInstance, limits: RateLimitConfig): Promise<RateLimitedRoute> {
  await app.register(rateLimit, {
    global: false,
    keyGenerator: (request) => (request.portal ? `user:${request.portal.targetKey}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) =>
      new RateLimited(`too many requests: at most ${context.max} per ${context.after}`),
  });
  return { rateLimit: { max: limits.max, timeWindow: limits.windowSec * 1000 } };
}
