/**
 * Wallet login endpoints (under gatewayPrefix):
 *   POST /auth/login              start: portal:// URL, QR code, login secret (body + httpOnly cookie)
 *   GET  /auth/login/:id          status; once approved, the holder of the secret gets the tokens once
 *   GET  /auth/login/:id/events   the same status as server-sent events, until the login ends
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthServices } from '../auth/auth-services.js';
import type { LoginView } from '../auth/login-service.js';
import type { TokenResponse } from '../auth/session-service.js';
import type { CookieConfig } from '../config/types.js';
import { BadRequest } from '../errors.js';
import type { GatewayPaths } from '../gateway-endpoints.js';
import { clientMeta } from './client-meta.js';
import type { RateLimitedRoute } from './rate-limits.js';
import { clearLoginSecretCookie, loginSecretOf, setLoginSecretCookie, setSessionCookies } from './session-cookies.js';

const LOGIN_ID = /^[A-Za-z0-9_-]{1,64}$/;
const TERMINAL = new Set(['approved', 'declined', 'expired']);
const SSE_POLL_MS = 2000;

type StatusBody = LoginView & Partial<TokenResponse>;

function loginId(request: FastifyRequest): string {
  const { id } = request.params as { id: string };
  if (!LOGIN_ID.test(id)) throw new BadRequest('login id is malformed');
  return id;
}

export function registerLoginRoutes(
  app: FastifyInstance,
  auth: AuthServices,
  paths: GatewayPaths,
  cookie: CookieConfig,
  loginTtlSec: number,
  limited: RateLimitedRoute,
): void {
  const openStreams = new Set<() => void>();

  /** Status, plus the tokens the first time the secret holder asks after approval. */
  async function statusWithTokens(
    request: FastifyRequest,
    reply: FastifyReply | undefined,
    id: string,
  ): Promise<StatusBody> {
    const view = await auth.logins.view(id);
    const presented = loginSecretOf(request);
    if (view.status !== 'approved' || view.claimed || !presented) return view;
    // Browsers following by cookie get cookies (set on the plain status request, not on the stream).
    if (presented.from === 'cookie' && !reply) return view;
    const tokens = await auth.logins.claim(id, presented.secret);
    if (!tokens) return view;
    if (presented.from === 'cookie' && reply) {
      setSessionCookies(reply, cookie, paths, tokens);
      clearLoginSecretCookie(reply, cookie, paths);
    }
    return { ...view, claimed: true, ...tokens };
  }

  app.post(paths.login, { config: limited }, async (request, reply) => {
    auth.assertRelaysUp();
    const started = await auth.logins.start(clientMeta(request));
    setLoginSecretCookie(reply, cookie, paths, started.login_secret, loginTtlSec);
    const base = `${paths.login}/${started.login_id}`;
    return reply.code(201).send({ ...started, status_url: base, events_url: `${base}/events` });
  });

  app.get(`${paths.login}/:id`, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    return statusWithTokens(request, reply, loginId(request));
  });

  app.get(`${paths.login}/:id/events`, async (request, reply) => {
    const id = loginId(request);
    let last = await statusWithTokens(request, undefined, id); // 404 before the stream starts
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const send = (body: StatusBody) => raw.write(`event: status\ndata: ${JSON.stringify(body)}\n\n`);
    send(last);
    if (
      TERMINAL.has(last.status) &&
      (last.status !== 'approved' || last.claimed || (loginSecretOf(request)?.from ?? 'cookie') === 'cookie')
    )
      return void raw.end();

    let busy = false;
    const refresh = async () => {
      if (busy) return;
      busy = true;
      try {
        const next = await statusWithTokens(request, undefined, id);
        if (next.status !== last.status || next.claimed !== last.claimed || next.access_token) send(next);
        last = next;
        if (TERMINAL.has(next.status)) stop();
      } catch {
        stop(); // the login is gone (expired and purged)
      } finally {
        busy = false;
      }
    };
    // Store notifications carry changes made on any replica; the timer covers a missed notification.
    const unwatch = auth.logins.watch((changed) => changed === id && void refresh());
    const timer = setInterval(() => void refresh(), SSE_POLL_MS);
    const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), 15_000);
    function stop() {
      if (!openStreams.delete(stop)) return;
      unwatch();
      clearInterval(timer);
      clearInterval(heartbeat);
      raw.end();
    }
    openStreams.add(stop);
    request.raw.once('close', stop);
  });

  // A stream stays open until its login ends (minutes): end them all so shutdown does not wait.
  app.addHook('preClose', async () => {
    for (const stop of [...openStreams]) stop();
  });
}
