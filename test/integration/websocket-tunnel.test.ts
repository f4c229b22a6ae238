/**
 * WebSocket upgrades are tunnelled to the upstream only once it has answered the handshake: a client
 * never gets a 101 the upstream did not give, failures before it are the gateway's JSON errors without
 * the upstream's address, a client that leaves early takes the upstream connection with it, and a
 * draining gateway ends its open tunnels. Hand-written handshakes over raw sockets, a real upstream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { startGatewayProcess } from '../support/gateway-process.js';
import { RawConnection, rawRequest } from '../support/raw-http.js';

const TIMEOUT_MS = 300;

let upstream: EchoUpstream;
let gw: RunningGateway;
let host: string;
let downPort: number;

function handshake(path: string): string {
  return `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;
}

async function waitFor(done: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !done();) {
    if (Date.now() > deadline) throw new Error(`${what} not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

beforeAll(async () => {
  upstream = await startEchoUpstream();
  downPort = await closedPort();
  gw = await startGateway({
    relays: [],
    tokens: { verifyThreads: 0 },
    routes: [
      { prefix: '/ws', upstream: upstream.url, auth: 'public', websocket: true },
      { prefix: '/slow', upstream: upstream.url, auth: 'public', websocket: true, timeoutMs: TIMEOUT_MS },
      { prefix: '/down', upstream: `http://127.0.0.1:${downPort}`, auth: 'public', websocket: true },
    ],
  });
  host = new URL(gw.url).host;
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

describe('before the upstream answers the handshake', () => {
  it('answers 502 JSON without a 101 and without the upstream address when the upstream is down, within 1 s', async () => {
    const connection = await RawConnection.open(gw.url);
    connection.write(handshake('/down/socket'));
    const closedAfterMs = await connection.untilClosed(1000);
    expect(closedAfterMs).toBeLessThan(1000);
    expect(connection.received).not.toContain(' 101 ');
    expect(connection.received).not.toContain(String(downPort));
    expect(connection.received).not.toContain('127.0.0.1');
    const response = await connection.response();
    expect(response.status).toBe(502);
    expect(response.headers.connection).toEqual(['close']);
    expect(response.json).toEqual({ error: 'ERR_UPSTREAM_UNAVAILABLE', message: expect.any(String) });
  });

  it('answers 504 JSON when the upstream does not answer the handshake within the route timeoutMs, and lets the upstream go', async () => {
    const before = upstream.heldHandshakes();
    const connection = await RawConnection.open(gw.url);
    connection.write(handshake('/slow/ws-held'));
    const response = await connection.response(3000);
    expect(response.status).toBe(504);
    expect(response.json).toEqual({ error: 'ERR_UPSTREAM_TIMEOUT', message: expect.any(String) });
    expect(connection.received).not.toContain(' 101 ');
    expect(upstream.heldHandshakes()).toBe(before + 1);
    await connection.untilClosed(1000);
    await waitFor(() => upstream.openConnections() === 0, 'upstream connection closed');
  });

  it("relays the upstream's refusal of the handshake and closes the connection", async () => {
    const { response, connection } = await rawRequest(gw.url, handshake('/ws/ws-refused'));
    expect(response.status).toBe(403);
    expect(response.body).toBe('this upstream refuses the handshake');
    expect(connection.received).not.toContain(' 101 ');
    await connection.untilClosed(1000);
  });

  it('closes the upstream connection of a client that leaves right after its handshake', async () => {
    const before = upstream.heldHandshakes();
    const clients = await Promise.all(Array.from({ length: 5 }, () => RawConnection.open(gw.url)));
    for (const client of clients) client.write(handshake('/ws/ws-held'));
    // Every handshake reached the upstream, which holds its answer: the clients go now.
    await waitFor(() => upstream.heldHandshakes() === before + 5, 'handshakes at the upstream');
    expect(upstream.openConnections()).toBe(5);
    for (const client of clients) client.destroy();
    await waitFor(() => upstream.openConnections() === 0, 'upstream connections closed');
  });

  it('leaves no upstream connection behind for clients that leave as soon as they have written the handshake', async () => {
    for (let i = 0; i < 10; i += 1) {
      const client = await RawConnection.open(gw.url);
      client.write(handshake('/ws/ws-held'));
      client.destroy();
    }
    // Whichever of them got as far as the upstream: give them the time to, then none may stay open.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await waitFor(() => upstream.openConnections() === 0, 'upstream connections closed');
  });
});

describe('once the upstream has answered', () => {
  it("passes the upstream's 101 on as it was sent, then the frames both ways", async () => {
    const connection = await RawConnection.open(gw.url);
    connection.write(handshake('/ws/chat'));
    const text = await connection.until((received) => /\r\n\r\n[\s\S]*\}$/.test(received), 5000);
    expect(text).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect(text).toContain('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n');
    const hello = JSON.parse(text.slice(text.indexOf('{')));
    expect(hello.url).toBe('/ws/chat');
    // A masked text frame "hi" (mask 0x01020304): the echo comes back unmasked.
    connection.write(String.fromCharCode(0x81, 0x82, 1, 2, 3, 4, 'h'.charCodeAt(0) ^ 1, 'i'.charCodeAt(0) ^ 2));
    await connection.until((received) => received.endsWith('\x81\x02hi'), 5000);
    connection.destroy();
    await waitFor(() => upstream.openConnections() === 0, 'upstream connection closed');
  });

  it('a gateway process asked to stop (SIGTERM) ends its open tunnels and exits promptly', async () => {
    const proc = await startGatewayProcess({
      relays: [],
      routes: [{ prefix: '/ws', upstream: upstream.url, auth: 'public', websocket: true }],
    });
    try {
      const connection = await RawConnection.open(proc.url);
      connection.write(handshake('/ws/chat'));
      await connection.until((received) => /\r\n\r\n[\s\S]*\}$/.test(received), 5000);
      const started = Date.now();
      await proc.stop();
      expect(Date.now() - started).toBeLessThan(3000);
      expect(connection.closed).toBe(true);
      await waitFor(() => upstream.openConnections() === 0, 'upstream connection closed');
    } finally {
      await proc.kill();
    }
  }, 60_000);
});
