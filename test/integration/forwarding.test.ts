/**
 * What the forward path does with the upstream's answer, seen by a client over a real socket: trailers,
 * HEAD, streamed chunked bodies, redirects under a rewritten path, an upstream that breaks off its answer
 * and a client that goes away mid-answer;
 * and request bodies of any content type, which reach the upstream as sent.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../support/gateway.js';

let upstream: Server;
let upstreamUrl: string;
let gateway: RunningGateway;
/** Connections of `/endless` whose client side closed before the end. */
let endlessClosed = 0;

function answer(req: IncomingMessage, res: ServerResponse): void {
  const path = new URL(req.url ?? '/', 'http://upstream').pathname;
  if (path.endsWith('/trailers')) {
    res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-checksum' });
    res.write('part one, ');
    res.addTrailers({ 'x-checksum': 'abc123' });
    res.end('part two');
  } else if (path.endsWith('/chunks')) {
    res.writeHead(200, { 'content-type': 'text/plain' });
    let n = 0;
    const timer = setInterval(() => {
      res.write(`chunk ${n}\n`);
      if (++n === 5) {
        clearInterval(timer);
        res.end();
      }
    }, 10);
  } else if (path.endsWith('/echo-body')) {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.stringify({
        contentType: req.headers['content-type'] ?? null,
        length: req.headers['content-length'] ?? null,
        body: Buffer.concat(chunks).toString('base64'),
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
  } else if (path.endsWith('/redirect')) {
    res.writeHead(302, { location: '/base/next?x=1' }).end();
  } else if (path.endsWith('/cut')) {
    // A declared length, part of the body, then the connection dropped: an upstream that breaks off.
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '100000' });
    res.write(Buffer.alloc(1000), () => res.socket?.destroy());
  } else if (path.endsWith('/endless')) {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const timer = setInterval(() => res.write(Buffer.alloc(16 * 1024)), 5);
    res.on('close', () => {
      clearInterval(timer);
      if (!res.writableFinished) endlessClosed += 1;
    });
  } else {
    const body = JSON.stringify({ method: req.method, url: req.url });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  }
}

beforeAll(async () => {
  upstream = createServer(answer);
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  gateway = await startGateway({
    routes: [{ prefix: '/api', upstream: `${upstreamUrl}/base`, rewritePrefix: '/', auth: 'public' }],
  });
});

afterAll(async () => {
  await gateway?.close();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  trailers: IncomingMessage['trailers'];
  body: string;
}

function get(path: string, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    httpRequest(new URL(path, gateway.url), { method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, trailers: res.trailers, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('forwarding answers', () => {
  it('passes the upstream path and query through the rewrite', async () => {
    const answer = await get('/api/items?q=1&q=2');
    expect(JSON.parse(answer.body)).toEqual({ method: 'GET', url: '/base/items?q=1&q=2' });
  });

  it("passes the upstream's trailers on after a chunked body", async () => {
    const answer = await get('/api/trailers');
    expect(answer.body).toBe('part one, part two');
    expect(answer.headers['transfer-encoding']).toBe('chunked');
    expect(answer.trailers['x-checksum']).toBe('abc123');
  });

  it('streams a chunked answer as it comes', async () => {
    const answer = await get('/api/chunks');
    expect(answer.body).toBe('chunk 0\nchunk 1\nchunk 2\nchunk 3\nchunk 4\n');
  });

  it('answers HEAD with the headers and no body', async () => {
    const answer = await get('/api/items', 'HEAD');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-length']).toBe(
      String(JSON.stringify({ method: 'HEAD', url: '/base/items' }).length),
    );
    expect(answer.body).toBe('');
  });

  it('passes request bodies of every content type through unparsed, byte for byte', async () => {
    const bodies: [string | undefined, Buffer][] = [
      ['text/plain', Buffer.from('plain text, not JSON')],
      ['text/plain; charset=utf-8', Buffer.from('caf\u00e9')],
      ['application/json', Buffer.from('{"a": 1,   "b": [true]}')],
      ['application/json', Buffer.from('{not json at all')],
      ['application/x-www-form-urlencoded', Buffer.from('a=1&b=%20two')],
      [
        'multipart/form-data; boundary=x',
        Buffer.from('--x\r\ncontent-disposition: form-data; name="f"\r\n\r\nv\r\n--x--\r\n'),
      ],
      ['application/octet-stream', Buffer.from([0, 255, 1, 254, 10, 13])],
      [undefined, Buffer.from('no content type')],
    ];
    for (const [contentType, body] of bodies) {
      const response = await fetch(`${gateway.url}/api/echo-body`, {
        method: 'POST',
        headers: contentType ? { 'content-type': contentType } : {},
        body,
      });
      expect(response.status, contentType).toBe(200);
      const echoed = (await response.json()) as { contentType: string | null; length: string; body: string };
      expect(Buffer.from(echoed.body, 'base64').equals(body), contentType).toBe(true);
      expect(echoed.length, contentType).toBe(String(body.length));
      if (contentType) expect(echoed.contentType).toBe(contentType);
    }
  });

  it("gives back a redirect under the upstream's path under the route prefix", async () => {
    const answer = await get('/api/redirect');
    expect(answer.status).toBe(302);
    expect(answer.headers.location).toBe('/api/next?x=1');
  });

  it('cuts the client connection when the upstream breaks off its answer, and logs why as upstream_failed', async () => {
    const received = await new Promise<{ status: number; bytes: number; complete: boolean }>((resolve) => {
      httpRequest(new URL('/api/cut', gateway.url), (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('error', () => undefined);
        res.on('close', () => resolve({ status: res.statusCode!, bytes, complete: res.complete }));
      })
        .on('error', () => undefined)
        .end();
    });
    expect(received.status).toBe(200);
    expect(received.complete).toBe(false);
    expect(received.bytes).toBeLessThan(100000);
    await expect.poll(() => upstreamFailures(), { timeout: 5000 }).toHaveLength(1);
    expect(upstreamFailures()[0]).toMatchObject({
      level: 40,
      event: 'upstream_failed',
      route: '/api',
      upstream: upstreamUrl,
      code: 'ERR_UPSTREAM_UNAVAILABLE',
      reason: expect.any(String),
    });
    // Counted, where the request metrics see only a 200.
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toContain('portal_gateway_upstream_failures_total{route="/api",code="upstream_unavailable"} 1');
  });

  it('frees the upstream connection when the client goes away mid-answer, which is not an upstream failure', async () => {
    const failuresBefore = upstreamFailures().length;
    const before = endlessClosed;
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(new URL('/api/endless', gateway.url), (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      req.on('timeout', () => reject(new Error('no data')));
      req.end();
    });
    await expect.poll(() => endlessClosed, { timeout: 5000 }).toBe(before + 1);
    expect(upstreamFailures()).toHaveLength(failuresBefore);
  });
});

/** The gateway's `upstream_failed` log lines so far. */
function upstreamFailures(): Record<string, unknown>[] {
  return gateway.logs
    .filter((line) => line.includes('"upstream_failed"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
