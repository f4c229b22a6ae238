/**
 * The gateway's edges over bare sockets (fetch would normalise or refuse these requests): WebSocket
 * origin checks, upgrade requests that are not proxied, slow and idle clients, hop-by-hop headers,
 * malformed framing, and the one JSON error shape for everything the gateway answers itself.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, issueJwt } from '../../src/index.js';
import { startEchoUpstream, type EchoReply, type EchoUpstream } from '../support/echo-upstream.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { RawConnection, rawRequest, type RawResponse } from '../support/raw-http.js';

const service = generateKeyPair();
const user = generateKeyPair();
const HEADERS_TIMEOUT_MS = 600;
const KEEP_ALIVE_TIMEOUT_MS = 2000;
const ALLOWED_ORIGIN = 'https://app.example';

let upstream: EchoUpstream;
/** Has routes that proxy WebSockets (the proxy listens for upgrades). */
let gw: RunningGateway;
/** Has none (nothing else listens for upgrades). */
let plain: RunningGateway;
let host: string;

const token = (claims?: Record<string, unknown>) =>
  issueJwt(service.secretKey, user.publicKey, 1, { extraClaims: claims });

/** A WebSocket handshake as a browser writes it, plus `extra` header lines. */
function handshake(path: string, ...extra: string[]): string {
  return [
    `GET ${path} HTTP/1.1`,
    `Host: ${host}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
    ...extra,
    '',
    '',
  ].join('\r\n');
}

function get(path: string, ...extra: string[]): string {
  return [`GET ${path} HTTP/1.1`, `Host: ${host}`, ...extra, '', ''].join('\r\n');
}

/** The first WebSocket text frame after a 101 (the echo upstream's hello: what it received). */
async function upstreamHello(connection: RawConnection): Promise<{ headers: Record<string, string>; url: string }> {
  const text = await connection.until((received) => /\r\n\r\n[\s\S]*\}$/.test(received), 5000);
  const frame = text.slice(text.indexOf('\r\n\r\n') + 4);
  return JSON.parse(frame.slice(frame.indexOf('{')));
}

/** Codes of the README's error table. */
function documentedCodes(): Set<string> {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const table = readme.slice(readme.indexOf('### Errors'), readme.indexOf('## Configuration'));
  return new Set(
    [...table.matchAll(/^\| (.+?) \| \d{3} \|/gm)].flatMap((row) =>
      [...row[1]!.matchAll(/`(ERR_[A-Z_]+)`/g)].map((m) => m[1]!),
    ),
  );
}

function expectGatewayError(response: RawResponse, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']?.[0]).toMatch(/^application\/json/);
  expect(response.json).toEqual({ error: code, message: expect.any(String) });
}

beforeAll(async () => {
  upstream = await startEchoUpstream();
  const common = {
    serviceKey: service.nsec,
    relays: [],
    tokens: { verifyThreads: 0 },
    cookie: { name: 'portal_session', secure: false },
    cors: { origins: [ALLOWED_ORIGIN], credentials: true },
    limits: { headersTimeoutMs: HEADERS_TIMEOUT_MS, keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS },
  };
  const routes = [
    { prefix: '/public', upstream: upstream.url, auth: 'public' },
    { prefix: '/api', upstream: upstream.url, auth: 'required' },
    { prefix: '/admin', upstream: upstream.url, auth: 'required', permissions: ['admin'] },
  ];
  gw = await startGateway({
    ...common,
    routes: [...routes, { prefix: '/ws', upstream: upstream.url, auth: 'required', websocket: true }],
  });
  plain = await startGateway({ ...common, routes });
  host = new URL(gw.url).host;
});

afterAll(async () => {
  await gw?.close();
  await plain?.close();
  await upstream?.close();
});

describe('WebSocket origin checks', () => {
  it('refuses a cookie-authenticated handshake from a foreign origin before it reaches the upstream', async () => {
    const before = upstream.webSocketConnections();
    const { response, connection } = await rawRequest(
      gw.url,
      handshake('/ws/echo', `Cookie: portal_session=${token()}`, 'Origin: http://evil.example'),
    );
    expectGatewayError(response, 403, 'ERR_CSRF');
    await connection.untilClosed(1000);
    // Same rule without Origin when Fetch Metadata says cross-site.
    const fetchMetadata = await rawRequest(
      gw.url,
      handshake('/ws/echo', `Cookie: portal_session=${token()}`, 'Sec-Fetch-Site: cross-site'),
    );
    expectGatewayError(fetchMetadata.response, 403, 'ERR_CSRF');
    expect(upstream.webSocketConnections()).toBe(before);
  });

  it('accepts a cookie-authenticated handshake from the own or an allowed origin, and forwards Origin', async () => {
    for (const origin of [`http://${host}`, ALLOWED_ORIGIN]) {
      const { response, connection } = await rawRequest(
        gw.url,
        handshake('/ws/echo', `Cookie: portal_session=${token()}`, `Origin: ${origin}`),
      );
      expect(response.status).toBe(101);
      const hello = await upstreamHello(connection);
      expect(hello.headers['x-portal-target-key']).toBe(user.publicKey);
      expect(hello.headers.origin).toBe(origin);
      connection.destroy();
    }
  });

  it('does not check the origin of a Bearer-authenticated handshake', async () => {
    const { response, connection } = await rawRequest(
      gw.url,
      handshake('/ws/echo', `Authorization: Bearer ${token()}`, 'Origin: http://evil.example'),
    );
    expect(response.status).toBe(101);
    const hello = await upstreamHello(connection);
    expect(hello.headers['x-portal-target-key']).toBe(user.publicKey);
    expect(hello.headers.origin).toBe('http://evil.example');
    connection.destroy();
  });

  it('forwards Origin on ordinary requests', async () => {
    const { response } = await rawRequest(
      gw.url,
      get('/public/x', 'Origin: http://elsewhere.example', 'Connection: close'),
    );
    expect((response.json as EchoReply).headers.origin).toBe('http://elsewhere.example');
  });
});

describe('upgrade requests that are not proxied', () => {
  for (const [name, gateway] of [
    ['with WebSocket routes', () => gw],
    ['without WebSocket routes', () => plain],
  ] as const) {
    it(`answers an upgrade to a route without websocket: true with 400 and closes it within 1 s (${name})`, async () => {
      for (const path of ['/public/socket', '/api/socket']) {
        const connection = await RawConnection.open(gateway().url);
        connection.write(handshake(path));
        expect(await connection.untilClosed(1000)).toBeLessThan(1000);
        const response = await connection.response(0);
        expect(response.status).toBe(400);
        expect(response.json).toEqual({ error: 'ERR_BAD_REQUEST', message: 'WebSocket is not enabled on this route' });
      }
    });

    it(`answers upgrades to unmatched paths and the gateway's own endpoints, and closes them within 1 s (${name})`, async () => {
      for (const [path, status] of [
        ['/nowhere', 404],
        ['/healthz', 200],
        ['/.well-known/portal-gateway', 200],
        ['/auth/me', 401],
      ] as const) {
        const connection = await RawConnection.open(gateway().url);
        connection.write(handshake(path));
        expect(await connection.untilClosed(1000)).toBeLessThan(1000);
        const response = await connection.response(0);
        expect(response.status).toBe(status);
        expect(response.json).toBeDefined();
      }
    });
  }

  it('refuses a malformed handshake on a WebSocket route with a JSON 400 after the policy', async () => {
    const bearer = `Authorization: Bearer ${token()}`;
    const cases = [
      `POST /ws/echo HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${bearer}\r\nContent-Length: 0\r\n\r\n`,
      `GET /ws/echo HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${bearer}\r\n\r\n`,
      handshake('/ws/echo', bearer, 'Sec-WebSocket-Protocol: chat, chat'),
      `GET /ws/echo HTTP/1.1\r\nHost: ${host}\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n${bearer}\r\n\r\n`,
    ];
    for (const request of cases) {
      const connection = await RawConnection.open(gw.url);
      connection.write(request);
      expect(await connection.untilClosed(1000)).toBeLessThan(1000);
      expectGatewayError(await connection.response(0), 400, 'ERR_BAD_REQUEST');
    }
    // Without credentials the policy answers first.
    const { response } = await rawRequest(
      gw.url,
      `GET /ws/echo HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n`,
    );
    expectGatewayError(response, 401, 'ERR_AUTH_REQUIRED');
  });
});

describe('slow and idle clients', () => {
  it('answers a header block not complete within limits.headersTimeoutMs with 408 and closes the connection', async () => {
    const trickle = await RawConnection.open(gw.url);
    trickle.write(`GET /public/x HTTP/1.1\r\nHost: ${host}\r\n`);
    const timer = setInterval(() => trickle.write('X-Slow: 1\r\n'), 100);
    try {
      const closedAfter = await trickle.untilClosed(HEADERS_TIMEOUT_MS + 2000);
      expect(closedAfter).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
    } finally {
      clearInterval(timer);
    }
    expectGatewayError(await trickle.response(0), 408, 'ERR_REQUEST_TIMEOUT');

    // A connection that never sends a byte is cut off the same way.
    const silent = await RawConnection.open(gw.url);
    expect(await silent.untilClosed(HEADERS_TIMEOUT_MS + 2000)).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 50);
    expectGatewayError(await silent.response(0), 408, 'ERR_REQUEST_TIMEOUT');
  });

  it('closes an idle keep-alive connection after limits.keepAliveTimeoutMs', async () => {
    const connection = await RawConnection.open(gw.url);
    connection.write(get('/public/x'));
    const response = await connection.response();
    expect(response.status).toBe(200);
    const answeredAfter = Date.now();
    await connection.untilClosed(KEEP_ALIVE_TIMEOUT_MS + 2000);
    // At the configured time, not a second later (Node's own buffer is taken off).
    expect(Date.now() - answeredAfter).toBeGreaterThanOrEqual(KEEP_ALIVE_TIMEOUT_MS - 50);
    expect(Date.now() - answeredAfter).toBeLessThan(KEEP_ALIVE_TIMEOUT_MS + 800);
  });
});

describe('hop-by-hop headers', () => {
  it("honours the client's Connection: close on proxied routes and the gateway's own endpoints", async () => {
    for (const path of ['/public/x', '/healthz']) {
      const { response, connection } = await rawRequest(gw.url, get(path, 'Connection: close'));
      expect(response.status).toBe(200);
      expect(response.headers.connection).toEqual(['close']);
      expect(await connection.untilClosed(1000)).toBeLessThan(1000);
    }
  });

  it("does not copy the upstream's hop-by-hop headers, nor those its Connection names, to the client", async () => {
    const { response, connection } = await rawRequest(gw.url, get('/public/hop-by-hop'));
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ hopByHop: true });
    expect(response.headers['x-upstream']).toEqual(['echo']);
    for (const name of ['x-upstream-private', 'proxy-authenticate', 'proxy-connection', 'te', 'trailer', 'upgrade']) {
      expect(response.headers[name], name).toBeUndefined();
    }
    // Connection and Keep-Alive are the gateway's own, about its connection with the client.
    expect(response.headers.connection).toEqual(['keep-alive']);
    expect(response.headers['keep-alive']?.[0]).toMatch(/^timeout=\d+$/);
    connection.destroy();

    const closing = await rawRequest(gw.url, get('/public/hop-by-hop', 'Connection: close'));
    expect(closing.response.headers.connection).toEqual(['close']);
    await closing.connection.untilClosed(1000);
  });

  it("does not forward the client's hop-by-hop headers (and forwards the request)", async () => {
    const { response } = await rawRequest(
      gw.url,
      get(
        '/public/x',
        'Keep-Alive: timeout=300',
        'TE: trailers',
        'Proxy-Connection: keep-alive',
        'Upgrade: h2c',
        'Connection: close, X-Client-Private',
        'X-Client-Private: 1',
      ),
    );
    // The stray Upgrade (no `Connection: upgrade`) on a route without WebSockets is refused as an upgrade.
    expectGatewayError(response, 400, 'ERR_BAD_REQUEST');
    const forwarded = await rawRequest(
      gw.url,
      get(
        '/public/x',
        'Keep-Alive: timeout=300',
        'TE: trailers',
        'Proxy-Connection: keep-alive',
        'Trailer: x-sum',
        'Connection: close, X-Client-Private',
        'X-Client-Private: 1',
      ),
    );
    expect(forwarded.response.status).toBe(200);
    const seen = (forwarded.response.json as EchoReply).headers;
    for (const name of ['keep-alive', 'te', 'proxy-connection', 'trailer', 'x-client-private'])
      expect(seen[name], name).toBeUndefined();
  });
});

describe('malformed framing', () => {
  it('answers two Host headers (or none) with 400 ERR_BAD_REQUEST, on plain requests and upgrades', async () => {
    const webSockets = upstream.webSocketConnections();
    for (const request of [
      `GET /public/x HTTP/1.1\r\nHost: ${host}\r\nHost: other.example\r\n\r\n`,
      `GET /healthz HTTP/1.1\r\nhost: ${host}\r\nHOST: ${host}\r\n\r\n`,
      `GET /ws/echo HTTP/1.1\r\nHost: ${host}\r\nHost: other.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nAuthorization: Bearer ${token()}\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      `GET /public/x HTTP/1.1\r\n\r\n`,
    ]) {
      const { response, connection } = await rawRequest(gw.url, request);
      expectGatewayError(response, 400, 'ERR_BAD_REQUEST');
      await connection.untilClosed(1000);
    }
    expect(upstream.webSocketConnections()).toBe(webSockets);
  });

  it('answers a refused request that expects 100-continue without a 100 Continue first', async () => {
    const post = (path: string, ...extra: string[]) =>
      [
        `POST ${path} HTTP/1.1`,
        `Host: ${host}`,
        'Content-Type: application/octet-stream',
        'Content-Length: 5',
        'Expect: 100-continue',
        ...extra,
        '',
        '',
      ].join('\r\n');
    for (const [request, status, code] of [
      [post('/api/upload'), 401, 'ERR_AUTH_REQUIRED'],
      [post('/admin/upload', `Authorization: Bearer ${token()}`), 403, 'ERR_PERMISSION_DENIED'],
    ] as const) {
      const connection = await RawConnection.open(gw.url);
      connection.write(request);
      const response = await connection.response();
      expect(connection.received.startsWith(`HTTP/1.1 ${status} `)).toBe(true);
      expectGatewayError(response, status, code);
      // Its body was never read: the connection does not stay open for it.
      await connection.untilClosed(1000);
    }
  });

  it('sends 100 Continue to an authorized request once it forwards the body', async () => {
    const connection = await RawConnection.open(gw.url);
    connection.write(
      [
        `POST /api/upload HTTP/1.1`,
        `Host: ${host}`,
        `Authorization: Bearer ${token()}`,
        'Content-Length: 5',
        'Expect: 100-continue',
        '',
        '',
      ].join('\r\n'),
    );
    await connection.until((received) => received.includes('\r\n\r\n'), 2000);
    expect(connection.received).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\n$/);
    connection.write('hello');
    const response = await connection.response();
    expect(response.status).toBe(200);
    expect((response.json as EchoReply).bodyBytes).toBe(5);
    expect((response.json as EchoReply).headers.expect).toBeUndefined();
    connection.destroy();
  });
});

describe('one error shape', () => {
  const hostile: [string, () => string, number][] = [
    ['malformed URL on a proxied route', () => get('/public/%zz'), 400],
    ['malformed URL on an own endpoint', () => get('/auth/sessions/%zz'), 400],
    [
      'invalid JSON body',
      () =>
        `POST /auth/refresh HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 3\r\n\r\n{x}`,
      400,
    ],
    [
      'unsupported media type',
      () => `POST /auth/refresh HTTP/1.1\r\nHost: ${host}\r\nContent-Type: text/xml\r\nContent-Length: 3\r\n\r\n<a>`,
      415,
    ],
    ['header block too large', () => get('/public/x', `X-Big: ${'a'.repeat(20_000)}`), 431],
    ['garbage request line', () => 'NOT HTTP AT ALL\r\n\r\n', 400],
    ['invalid header name', () => get('/public/x', 'Bad Header: 1'), 400],
    [
      'bad chunk size',
      () => `POST /public/x HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`,
      400,
    ],
    [
      'chunk extensions too large',
      () =>
        `POST /public/x HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\n5;${'a'.repeat(20_000)}\r\nhello\r\n0\r\n\r\n`,
      413,
    ],
    [
      'Content-Length and Transfer-Encoding',
      () =>
        `POST /public/x HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      400,
    ],
    ['CONNECT', () => 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', 400],
    ['unknown expectation', () => `GET /nowhere HTTP/1.1\r\nHost: ${host}\r\nExpect: teapot\r\n\r\n`, 404],
  ];

  it.each(hostile)('%s gets a JSON error with a documented code', async (_name, request, status) => {
    const codes = documentedCodes();
    const { response, connection } = await rawRequest(gw.url, request());
    expect(response.status).toBe(status);
    expect(Object.keys(response.json ?? {})).toEqual(['error', 'message']);
    expect(codes.has(response.json.error)).toBe(true);
    expect(connection.received).not.toMatch(/FST_ERR|Client Error/);
    connection.destroy();
  });

  it('documents every code the gateway adds for these answers', () => {
    const codes = documentedCodes();
    for (const code of [
      'ERR_HEADERS_TOO_LARGE',
      'ERR_UNSUPPORTED_MEDIA_TYPE',
      'ERR_REQUEST_TIMEOUT',
      'ERR_BAD_REQUEST',
    ])
      expect(codes.has(code), code).toBe(true);
  });
});
