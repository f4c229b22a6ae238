/**
 * Upstreams with a base path, over real sockets: a real upstream records the path and query each request
 * reaches it with, for every combination of base path, prefix, `rewritePrefix` and trailing slashes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startEchoUpstream, type EchoReply, type EchoUpstream } from '../support/echo-upstream.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { rawRequest } from '../support/raw-http.js';

let upstream: EchoUpstream;
let gw: RunningGateway;
let rooted: RunningGateway;

beforeAll(async () => {
  upstream = await startEchoUpstream();
  const u = upstream.url;
  gw = await startGateway({
    logLevel: 'warn',
    routes: [
      { prefix: '/api', upstream: `${u}/base`, auth: 'public' },
      { prefix: '/api2', upstream: `${u}/base/`, auth: 'public' },
      { prefix: '/api3/', upstream: `${u}/base`, auth: 'public' },
      { prefix: '/api4/', upstream: `${u}/base/`, auth: 'public' },
      { prefix: '/strip', upstream: `${u}/base`, auth: 'public', rewritePrefix: '/' },
      { prefix: '/strip2/', upstream: `${u}/base/`, auth: 'public', rewritePrefix: '/' },
      { prefix: '/plain', upstream: u, auth: 'public', rewritePrefix: '/' },
      { prefix: '/v', upstream: `${u}/base/`, auth: 'public', rewritePrefix: '/v2/' },
      { prefix: '/deep/er', upstream: `${u}/one/two`, auth: 'public' },
      { prefix: '/ws', upstream: `${u}/base`, auth: 'public', websocket: true },
    ],
  });
  rooted = await startGateway({ logLevel: 'warn', routes: [{ prefix: '/', upstream: `${u}/base/`, auth: 'public' }] });
});

afterAll(async () => {
  await gw?.close();
  await rooted?.close();
  await upstream?.close();
});

async function reached(base: string, path: string): Promise<string> {
  const response = await fetch(base + path);
  expect(response.status, path).toBe(200);
  return ((await response.json()) as EchoReply).url;
}

describe('an upstream with a base path', () => {
  it('default rewritePrefix: the base path, then the whole request path and query', async () => {
    for (const prefix of ['/api', '/api2', '/api3', '/api4']) {
      expect(await reached(gw.url, `${prefix}/x?q=1`)).toBe(`/base${prefix}/x?q=1`);
      expect(await reached(gw.url, `${prefix}/x/y/?q=1&r=%2F`)).toBe(`/base${prefix}/x/y/?q=1&r=%2F`);
      expect(await reached(gw.url, prefix)).toBe(`/base${prefix}`);
      expect(await reached(gw.url, `${prefix}/`)).toBe(`/base${prefix}/`);
      expect(await reached(gw.url, `${prefix}?q=1`)).toBe(`/base${prefix}?q=1`);
    }
    expect(await reached(gw.url, '/deep/er/x?q=1')).toBe('/one/two/deep/er/x?q=1');
  });

  it('rewritePrefix "/": the base path, then the rest after the prefix', async () => {
    for (const prefix of ['/strip', '/strip2']) {
      expect(await reached(gw.url, `${prefix}/x?q=1`)).toBe('/base/x?q=1');
      expect(await reached(gw.url, `${prefix}/x/`)).toBe('/base/x/');
      expect(await reached(gw.url, prefix)).toBe('/base');
      expect(await reached(gw.url, `${prefix}?q=1`)).toBe('/base?q=1');
    }
    // Without a base path the bare prefix goes to the root, query included.
    expect(await reached(gw.url, '/plain/x?q=1')).toBe('/x?q=1');
    expect(await reached(gw.url, '/plain?q=1')).toBe('/?q=1');
  });

  it('another rewritePrefix comes after the base path', async () => {
    expect(await reached(gw.url, '/v/x?q=1')).toBe('/base/v2/x?q=1');
    expect(await reached(gw.url, '/v?q=1')).toBe('/base/v2?q=1');
  });

  it('the prefix "/" forwards every path under the base path', async () => {
    expect(await reached(rooted.url, '/x?q=1')).toBe('/base/x?q=1');
    expect(await reached(rooted.url, '/a/b')).toBe('/base/a/b');
    expect(await reached(rooted.url, '/')).toBe('/base/');
  });

  it('WebSocket upgrades reach the same path', async () => {
    const socket = new WebSocket(`${gw.url.replace('http', 'ws')}/ws/chat?room=1`);
    const first = await new Promise<string>((resolve, reject) => {
      socket.once('message', (data) => resolve(String(data)));
      socket.once('error', reject);
    });
    socket.close();
    expect((JSON.parse(first) as { url: string }).url).toBe('/base/ws/chat?room=1');
  });

  it('hostile paths, sent as is: never a 500, and never outside the base path', async () => {
    const targets = [
      '/api/%2e%2e/x',
      '/api/../../etc',
      '/strip/..',
      '/strip//x',
      '/api/..%2f..%2fetc',
      '/strip/%2e%2e%2fsecret',
      '/strip/%zz',
      '/strip/x%00y',
      '/strip\\..\\x',
    ];
    for (const target of targets) {
      const { response, connection } = await rawRequest(
        gw.url,
        `GET ${target} HTTP/1.1\r\nHost: gateway.test\r\nConnection: close\r\n\r\n`,
      );
      connection.destroy();
      expect(response.status, target).toBeGreaterThanOrEqual(200);
      expect(response.status, target).toBeLessThan(500);
      if (response.status === 200) expect((response.json as EchoReply).url, target).toMatch(/^\/base\//);
      else expect(response.json?.error, target).toMatch(/^ERR_/);
    }
  });
});
