/**
 * The gateway with real sockets: a real upstream that echoes what it receives, the gateway listening on
 * a loopback port, and requests over HTTP and WebSocket.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { generateKeyPair, issueJwt } from '../../src/index.js';
import { closedPort, startEchoUpstream, type EchoReply, type EchoUpstream } from '../support/echo-upstream.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';

const service = generateKeyPair();
const otherIssuer = generateKeyPair();
const stranger = generateKeyPair();
const user = generateKeyPair();

let upstream: EchoUpstream;
let gw: RunningGateway;

function token(
  options: { key?: string; target?: string; hours?: number; now?: number; claims?: Record<string, unknown> } = {},
): string {
  return issueJwt(options.key ?? service.secretKey, options.target ?? user.publicKey, options.hours ?? 1, {
    now: options.now,
    extraClaims: options.claims,
  });
}

async function call(
  path: string,
  init: RequestInit & { token?: string } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  const response = await fetch(gw.url + path, { ...init, headers });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body, headers: response.headers };
}

/** Port of the /down route's upstream, where nothing listens. */
let down: number;

beforeAll(async () => {
  upstream = await startEchoUpstream();
  down = await closedPort();
  gw = await startGateway({
    serviceKey: service.nsec,
    trustedIssuers: [otherIssuer.npub],
    // New tokens are checked on verify threads whatever the machine's core count (the CORS gateway below verifies inline).
    tokens: { verifyThreads: 2 },
    cookie: { name: 'portal_session', secure: false },
    routes: [
      { prefix: '/public', upstream: upstream.url, auth: 'public' },
      { prefix: '/api', upstream: upstream.url, auth: 'required' },
      { prefix: '/api/admin', upstream: upstream.url, auth: 'required', permissions: ['admin'] },
      { prefix: '/maybe', upstream: upstream.url, auth: 'optional' },
      { prefix: '/rewritten', upstream: upstream.url, auth: 'public', rewritePrefix: '/inner' },
      { prefix: '/slow', upstream: upstream.url, auth: 'public', timeoutMs: 300 },
      { prefix: '/down', upstream: `http://127.0.0.1:${down}`, auth: 'public' },
      { prefix: '/ws', upstream: upstream.url, auth: 'required', websocket: true },
      { prefix: '/ws-maybe', upstream: upstream.url, auth: 'optional', websocket: true },
      { prefix: '/passthrough', upstream: upstream.url, auth: 'required', passToken: true },
    ],
  });
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

describe('policy matrix', () => {
  const cases: [string, () => string | undefined, number][] = [
    ['/public/x', () => undefined, 200],
    ['/public/x', () => 'garbage', 200],
    ['/api/x', () => undefined, 401],
    ['/api/x', () => token(), 200],
    ['/api/x', () => 'not.a.token', 401],
    ['/maybe/x', () => undefined, 200],
    ['/maybe/x', () => token(), 200],
    ['/maybe/x', () => 'garbage', 401],
    ['/api/admin/x', () => undefined, 401],
    ['/api/admin/x', () => token(), 403],
    ['/api/admin/x', () => token({ claims: { permissions: ['admin'] } }), 200],
  ];
  it.each(cases)('%s with token #%# answers %i', async (path, makeToken, status) => {
    const response = await call(path, { token: makeToken() });
    expect(response.status).toBe(status);
    if (status !== 200) {
      expect(response.body).toEqual({ error: expect.stringMatching(/^ERR_/), message: expect.any(String) });
    }
  });

  it('401 carries an RFC 6750 challenge and a stable code', async () => {
    const missing = await call('/api/x');
    expect(missing.body.error).toBe('ERR_AUTH_REQUIRED');
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer realm="portal-gateway", error="invalid_token"/);
    const expired = await call('/api/x', { token: token({ now: Math.floor(Date.now() / 1000) - 7200 }) });
    expect(expired.status).toBe(401);
    expect(expired.body.error).toBe('ERR_JWT_EXPIRED');
    const wrongIssuer = await call('/api/x', { token: token({ key: stranger.secretKey }) });
    expect(wrongIssuer.body.error).toBe('ERR_JWT_SIGNATURE');
    const malformed = await call('/api/x', { token: 'a'.repeat(5000) });
    expect(malformed.body.error).toBe('ERR_JWT_MALFORMED');
    const badHeader = await call('/api/x', { headers: { authorization: 'Bearer' } });
    expect(badHeader.body.error).toBe('ERR_JWT_MALFORMED');
  });

  it('403 names the missing permission', async () => {
    const response = await call('/api/admin/x', { token: token({ claims: { permissions: ['read'] } }) });
    expect(response.body).toEqual({ error: 'ERR_PERMISSION_DENIED', message: 'missing permission: admin' });
  });

  it('accepts tokens of a trusted issuer and reads the session cookie', async () => {
    const viaIssuer = await call('/api/x', { token: token({ key: otherIssuer.secretKey }) });
    expect(viaIssuer.status).toBe(200);
    const viaCookie = await call('/api/x', { headers: { cookie: `theme=dark; portal_session=${token()}` } });
    expect(viaCookie.status).toBe(200);
    expect((viaCookie.body as EchoReply).headers.cookie).toBe('theme=dark');
  });

  it('answers unmatched paths with a 404 JSON error', async () => {
    const response = await call('/nowhere');
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ error: 'ERR_ROUTE_NOT_FOUND', message: 'no route for GET /nowhere' });
    expect((await call('/apix')).status).toBe(404);
  });
});

describe('identity headers', () => {
  const spoofed = {
    'X-Portal-Target-Key': 'f'.repeat(64),
    'x-portal-npub': 'npub1spoof',
    X_PORTAL_AUTH_FLOW: 'wallet',
    'x-portal-anything': 'evil',
  };

  it('tells the upstream who the user is, and not the token', async () => {
    const t = token({ claims: { permissions: ['read', 'write'] } });
    const { body } = await call('/api/whoami?x=1&y=two', { token: t });
    const echo = body as EchoReply;
    expect(echo.url).toBe('/api/whoami?x=1&y=two');
    expect(echo.headers['x-portal-target-key']).toBe(user.publicKey);
    expect(echo.headers['x-portal-npub']).toBe(user.npub);
    expect(echo.headers['x-portal-auth-flow']).toBe('service');
    expect(echo.headers['x-portal-permissions']).toBe('read,write');
    expect(echo.headers.authorization).toBeUndefined();
    expect(JSON.stringify(echo.headers)).not.toContain(t);
    expect(echo.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(echo.headers['x-forwarded-proto']).toBe('http');
    expect(echo.headers['x-forwarded-host']).toBe(new URL(gw.url).host);
  });

  it.each(['/public/x', '/maybe/x', '/api/x'])('never forwards client-sent identity headers on %s', async (path) => {
    const { body } = await call(path, { headers: spoofed, token: path === '/api/x' ? token() : undefined });
    const headers = (body as EchoReply).headers;
    const names = Object.keys(headers).filter((name) => /portal/i.test(name));
    if (path === '/api/x') {
      expect(headers['x-portal-target-key']).toBe(user.publicKey);
      expect(names.sort()).toEqual([
        'x-portal-assertion',
        'x-portal-auth-flow',
        'x-portal-npub',
        'x-portal-target-key',
      ]);
    } else {
      expect(names).toEqual([]);
    }
  });

  it('strips spoofed headers on CORS preflight and OPTIONS too', async () => {
    const { body, status } = await call('/public/x', { method: 'OPTIONS', headers: spoofed });
    expect(status).toBe(200);
    expect(Object.keys((body as EchoReply).headers).filter((name) => /portal/i.test(name))).toEqual([]);
  });

  it('passes the token only on routes that opt in', async () => {
    const t = token();
    const { body } = await call('/passthrough/x', { token: t });
    expect((body as EchoReply).headers.authorization).toBe(`Bearer ${t}`);
  });

  it('rewrites the prefix when configured', async () => {
    const { body } = await call('/rewritten/a/b?q=1');
    expect((body as EchoReply).url).toBe('/inner/a/b?q=1');
  });

  it('gives 200 parallel requests from 50 users each their own identity', async () => {
    const users = Array.from({ length: 50 }, () => generateKeyPair());
    const tokens = users.map((u) => token({ target: u.publicKey }));
    const requests = Array.from({ length: 200 }, (_, i) => i % 50).map(async (i) => {
      const { status, body } = await call(`/api/user/${i}`, { token: tokens[i] });
      return { i, status, key: (body as EchoReply).headers['x-portal-target-key'], url: (body as EchoReply).url };
    });
    const results = await Promise.all(requests);
    for (const result of results) {
      expect(result.status).toBe(200);
      expect(result.url).toBe(`/api/user/${result.i}`);
      expect(result.key).toBe(users[result.i]!.publicKey);
    }
  });
});

describe('forwarding', () => {
  it('streams a 50 MB request body without waiting for all of it', async () => {
    const total = 50 * 1024 * 1024;
    const chunk = Buffer.alloc(1024 * 1024, 7);
    const url = new URL('/api/upload', gw.url);
    const reply = new Promise<EchoReply>((resolve, reject) => {
      const req = httpRequest(
        url,
        { method: 'POST', headers: { authorization: `Bearer ${token()}`, 'content-length': total } },
        (res) => {
          let text = '';
          res
            .setEncoding('utf8')
            .on('data', (d: string) => (text += d))
            .on('end', () => resolve(JSON.parse(text) as EchoReply));
        },
      );
      req.on('error', reject);
      req.write(chunk);
      // The upstream must see the first megabyte before the client sends the rest.
      const waitForUpstream = setInterval(() => {
        if (upstream.uploadProgress() > 0) {
          clearInterval(waitForUpstream);
          for (let sent = chunk.length; sent < total; sent += chunk.length) req.write(chunk);
          req.end();
        }
      }, 5);
    });
    const echo = await reply;
    expect(echo.bodyBytes).toBe(total);
  });

  it('streams a 50 MB response body as the upstream produces it', async () => {
    const total = 50 * 1024 * 1024;
    const response = await fetch(`${gw.url}/public/hold-response/${total}`);
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const first = await reader.read(); // arrives while the upstream still holds the rest back
    expect(first.value!.length).toBeGreaterThan(0);
    upstream.releaseHeldResponse();
    let bytes = first.value!.length;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
    }
    expect(bytes).toBe(total);
  });

  it('answers 502 JSON when the upstream refuses connections', async () => {
    const response = await call('/down/x');
    expect(response.status).toBe(502);
    expect(response.body).toEqual({ error: 'ERR_UPSTREAM_UNAVAILABLE', message: expect.any(String) });
  });

  it('answers 504 JSON when the upstream is too slow', async () => {
    const response = await call('/slow/slow/2000');
    expect(response.status).toBe(504);
    expect(response.body.error).toBe('ERR_UPSTREAM_TIMEOUT');
  });

  it('rejects a declared body above the limit with 413 before reading it', async () => {
    const response = await call('/public/x', {
      method: 'POST',
      headers: { 'content-length': String(200 * 1024 * 1024) },
      body: 'x',
    }).catch((error: Error) => ({ status: 0, body: error.message, headers: new Headers() }));
    // fetch may refuse a mismatched content-length itself; in that case use a raw request.
    if (response.status !== 0) expect(response.status).toBe(413);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        new URL('/public/x', gw.url),
        { method: 'POST', headers: { 'content-length': 200 * 1024 * 1024 } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
          req.destroy();
        },
      );
      req.on('error', reject);
      req.write('x');
    });
    expect(status).toBe(413);
  });

  it('counts a chunked body as it streams: forwarded whole under the limit, cut off with 413 above it', async () => {
    const limit = 1024 * 1024;
    const small = await startGateway({
      serviceKey: service.secretKey,
      relays: [],
      limits: { maxBodyBytes: limit },
      routes: [{ prefix: '/public', upstream: upstream.url, auth: 'public' }],
    });
    /** POST `chunks` of 64 KiB without a Content-Length (chunked transfer encoding). */
    const postChunked = (chunks: number) =>
      new Promise<{ status: number; body: any; connection: string | undefined }>((resolve, reject) => {
        const req = httpRequest(
          new URL('/public/upload', small.url),
          { method: 'POST', headers: { 'transfer-encoding': 'chunked' } },
          (res) => {
            let text = '';
            res
              .setEncoding('utf8')
              .on('data', (d: string) => (text += d))
              .on('end', () =>
                resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), connection: res.headers.connection }),
              );
          },
        );
        // Once the gateway answers it stops reading: later writes may fail, the answer is what counts.
        req.on('error', (error) => (req.writableFinished ? undefined : reject(error)));
        const chunk = Buffer.alloc(64 * 1024, 1);
        let sent = 0;
        const writeMore = () => {
          while (sent < chunks) {
            sent++;
            if (!req.write(chunk)) return void req.once('drain', writeMore);
          }
          req.end();
        };
        writeMore();
      });
    try {
      const within = await postChunked(limit / (64 * 1024));
      expect(within.status).toBe(200);
      expect(within.body.bodyBytes).toBe(limit);
      expect(within.body.headers['transfer-encoding']).toBe('chunked');

      const over = await postChunked(4 * (limit / (64 * 1024)));
      expect(over.status).toBe(413);
      expect(over.body).toEqual({
        error: 'ERR_PAYLOAD_TOO_LARGE',
        message: `request body exceeds the limit of ${limit} bytes`,
      });
      expect(over.connection).toBe('close');
      // The upstream never got more than the limit of it.
      expect(upstream.uploadProgress()).toBeLessThanOrEqual(limit);
    } finally {
      await small.close();
    }
  });

  it('proxies WebSockets with authentication at the handshake', async () => {
    const wsUrl = gw.url.replace('http', 'ws') + '/ws/echo';
    const socket = new WebSocket(wsUrl, {
      headers: { authorization: `Bearer ${token()}`, 'x-portal-target-key': 'f'.repeat(64) },
    });
    const first = await new Promise<{ headers: Record<string, string> }>((resolve, reject) => {
      socket.once('message', (data) => resolve(JSON.parse(String(data))));
      socket.once('error', reject);
    });
    expect(first.headers['x-portal-target-key']).toBe(user.publicKey);
    expect(first.headers.authorization).toBeUndefined();
    const echoed = new Promise<string>((resolve) => socket.once('message', (data) => resolve(String(data))));
    socket.send('ping over the gateway');
    expect(await echoed).toBe('ping over the gateway');
    socket.close();

    // A second user on the same route gets their own identity, never the first one's.
    const other = generateKeyPair();
    const second = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${token({ target: other.publicKey })}` } });
    const secondHello = await new Promise<{ headers: Record<string, string> }>((resolve, reject) => {
      second.once('message', (data) => resolve(JSON.parse(String(data))));
      second.once('error', reject);
    });
    expect(secondHello.headers['x-portal-target-key']).toBe(other.publicKey);
    second.close();

    // On an optional route, an anonymous connection after a signed-in one carries no identity at all.
    const hello = (url: string, headers: Record<string, string>) =>
      new Promise<{ headers: Record<string, string> }>((resolve, reject) => {
        const socket = new WebSocket(url, { headers });
        socket.once('message', (data) => {
          resolve(JSON.parse(String(data)));
          socket.close();
        });
        socket.once('error', reject);
      });
    const maybeUrl = gw.url.replace('http', 'ws') + '/ws-maybe/echo';
    expect((await hello(maybeUrl, { authorization: `Bearer ${token()}` })).headers['x-portal-target-key']).toBe(
      user.publicKey,
    );
    const anonymous = await hello(maybeUrl, {});
    expect(Object.keys(anonymous.headers).filter((name) => name.startsWith('x-portal-'))).toEqual([]);

    const refused = new WebSocket(wsUrl);
    const status = await new Promise<number>((resolve) => {
      refused.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      refused.once('open', () => resolve(101));
      refused.once('error', () => undefined);
    });
    expect(status).toBe(401);
  });
});

describe('operations', () => {
  it('serves liveness, readiness and metrics', async () => {
    expect((await call('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await call('/readyz');
    // The /down route's upstream is not reachable: reported, but the gateway stays in rotation.
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ store: { ok: true, status: 'ok' } });
    expect(ready.body.upstreams[upstream.url]).toEqual({ ok: true, status: 'ok' });
    expect(ready.body.upstreams[`http://127.0.0.1:${down}`]).toEqual({ ok: false, status: 'ECONNREFUSED' });
    const metrics = await call('/metrics');
    expect(metrics.body).toMatch(/^portal_gateway_requests_total\{route="\/api",method="get",status="200"\} [1-9]/m);
    expect(metrics.body).toMatch(
      /^portal_gateway_request_duration_seconds_count\{route="\/api",status_class="2xx"\} [1-9]/m,
    );
    expect(metrics.body).toContain('portal_gateway_auth_outcomes_total{outcome="jwt_expired"}');
    expect(metrics.body).toMatch(/^portal_gateway_verify_cache_hits_total [1-9]/m);
    // Every token this file presented was verified once, on a cache miss, and timed.
    expect(Number(/^portal_gateway_verify_duration_seconds_count (\d+)$/m.exec(metrics.body)?.[1])).toBeGreaterThan(0);
  });

  it('logs one line per request and never a token or cookie', async () => {
    const secretToken = token();
    const before = gw.logs.length;
    await call('/api/logged?access_token=' + secretToken, {
      token: secretToken,
      headers: { cookie: `portal_session=${secretToken}` },
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const lines = gw.logs.slice(before).filter((line) => line.includes('/api/logged'));
    expect(lines).toHaveLength(1);
    expect(gw.logs.join('\n')).not.toContain(secretToken);
    expect(gw.logs.join('\n')).not.toContain(service.secretKey);
  });
});

describe('CORS', () => {
  it('answers preflight for configured origins only, with credentials', async () => {
    const withCors = await startGateway({
      serviceKey: service.secretKey,
      relays: [],
      cors: { origins: ['https://app.example'], credentials: true },
      tokens: { verifyThreads: 0 },
      routes: [{ prefix: '/api', upstream: upstream.url, auth: 'required' }],
    });
    try {
      const preflight = (origin: string) =>
        fetch(`${withCors.url}/api/x`, {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'authorization',
            'x-portal-target-key': 'f'.repeat(64),
          },
        });
      const allowed = await preflight('https://app.example');
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
      expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
      const denied = await preflight('https://evil.example');
      expect(denied.headers.get('access-control-allow-origin')).toBeNull();
      const actual = await fetch(`${withCors.url}/api/x`, {
        headers: { origin: 'https://app.example', authorization: `Bearer ${token()}` },
      });
      expect(actual.status).toBe(200);
      expect(actual.headers.get('access-control-allow-origin')).toBe('https://app.example');
    } finally {
      await withCors.close();
    }
  });
});
