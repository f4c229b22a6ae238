/**
 * Session endpoints for signed-in users (under gatewayPrefix):
 *   POST   /auth/refresh        rotate: refresh token (cookie or {"refresh_token"}) → new pair
 *   POST   /auth/logout         end this session: its refresh family and the presented access token
 *   POST   /auth/logout-all     every token of the user issued before now dies at once, on every replica
 *   GET    /auth/me             identity and session facts
 *   GET    /auth/sessions       the user's live sessions
 *   DELETE /auth/sessions/:id   end one of them
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthServices } from '../auth/auth-services.js';
import type { SessionRecord } from '../auth/stores/types.js';
import type { CookieConfig } from '../config/types.js';
import { BadRequest, GatewayError, InternalError, RefreshTokenInvalid } from '../errors.js';
import { logEvent } from '../events.js';
import type { GatewayPaths } from '../gateway-endpoints.js';
import { assertSameOrigin } from '../access/csrf.js';
import type { PortalIdentity } from '../jwt/identity.js';
import { clientMeta } from './client-meta.js';
import type { RateLimitedRoute } from './rate-limits.js';
import { clearSessionCookies, refreshCookieName, setSessionCookies } from './session-cookies.js';

const SIGNED_IN = { portalAuth: { auth: 'required' as const } };

function identityOf(request: FastifyRequest): PortalIdentity {
  if (!request.portal) throw new InternalError(); // the route policy guarantees it
  return request.portal;
}

function sessionView(session: SessionRecord, currentId: unknown) {
  return {
    id: session.id,
    created_at: session.createdAt,
    last_used_at: session.lastUsedAt,
    expires_at: session.expiresAt,
    user_agent: session.userAgent ?? null,
    client_ip: session.clientIp ?? null,
    current: session.id === currentId,
  };
}

/** Refresh token from the JSON body, else the refresh cookie (then CSRF-checked). */
function presentedRefreshToken(request: FastifyRequest, cookie: CookieConfig, allowedOrigins: readonly string[]) {
  const body = request.body as { refresh_token?: unknown } | undefined;
  if (body && typeof body === 'object' && body.refresh_token !== undefined) {
    if (typeof body.refresh_token !== 'string') throw new BadRequest('refresh_token must be a string');
    return { token: body.refresh_token, fromCookie: false };
  }
  const fromCookie = request.cookies[refreshCookieName(cookie)];
  if (!fromCookie) return undefined;
  assertSameOrigin(request, allowedOrigins);
  return { token: fromCookie, fromCookie: true };
}

export function registerSessionRoutes(
  app: FastifyInstance,
  auth: AuthServices,
  paths: GatewayPaths,
  cookie: CookieConfig,
  allowedOrigins: readonly string[],
  limited: RateLimitedRoute,
): void {
  app.post(paths.refresh, { config: limited }, async (request, reply) => {
    const presented = presentedRefreshToken(request, cookie, allowedOrigins);
    if (!presented) throw new RefreshTokenInvalid('no refresh token: send {"refresh_token": …} or the refresh cookie');
    try {
      const tokens = await auth.tokens.refresh(presented.token, clientMeta(request));
      if (presented.fromCookie) setSessionCookies(reply, cookie, paths, tokens);
      return reply.header('cache-control', 'no-store').send(tokens);
    } catch (error) {
      if (presented.fromCookie && error instanceof GatewayError) clearSessionCookies(reply, cookie, paths);
      throw error;
    }
  });

  app.post(paths.logout, { config: { ...SIGNED_IN, ...limited } }, async (request, reply) => {
    const identity = identityOf(request);
    const sid = identity.sessionId;
    const ended = await auth.tokens.logout(identity.targetKey, {
      jti: identity.jti,
      exp: identity.claims.exp,
      sessionId: sid,
    });
    logEvent(request.log, 'logout', { npub: identity.npub, ...(ended ? { session_id: sid } : {}) });
    clearSessionCookies(reply, cookie, paths);
    return reply.code(200).send({ status: 'logged_out' });
  });

  app.post(paths.logoutAll, { config: { ...SIGNED_IN, ...limited } }, async (request, reply) => {
    const identity = identityOf(request);
    const { notBefore, sessions } = await auth.tokens.logoutEverywhere(identity.targetKey);
    logEvent(request.log, 'logout_everywhere', { npub: identity.npub, sessions_revoked: sessions });
    clearSessionCookies(reply, cookie, paths);
    return reply.send({ status: 'logged_out_everywhere', sessions_revoked: sessions, not_before: notBefore });
  });

  app.get(paths.me, { config: SIGNED_IN }, async (request) => {
    const identity = identityOf(request);
    const sid = identity.sessionId;
    const session = await auth.tokens.sessionOf(identity.targetKey, sid);
    return {
      target_key: identity.targetKey,
      npub: identity.npub,
      auth_flow: identity.flow,
      permissions: identity.permissions,
      token: { issued_at: identity.claims.iat ?? null, expires_at: identity.claims.exp, issuer: identity.issuer },
      session: session ? sessionView(session, sid) : null,
    };
  });

  app.get(paths.sessions, { config: SIGNED_IN }, async (request) => {
    const identity = identityOf(request);
    const sessions = await auth.tokens.listSessions(identity.targetKey);
    return { sessions: sessions.map((s) => sessionView(s, identity.sessionId)) };
  });

  app.delete(
    `${paths.sessions}/:id`,
    { config: { ...SIGNED_IN, ...limited } },
    async (request, reply: FastifyReply) => {
      const identity = identityOf(request);
      const { id } = request.params as { id: string };
      await auth.tokens.endSessionOf(identity.targetKey, id);
      logEvent(request.log, 'session_ended', { npub: identity.npub, session_id: id });
      return reply.code(204).send();
    },
  );
}
