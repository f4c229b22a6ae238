/**
 * An upstream that speaks HTTPS with a certificate from a private CA: trusted through NODE_EXTRA_CA_CERTS,
 * HTTP requests, streamed bodies and WebSocket upgrades go through and readiness reaches it; not trusted,
 * clients get the usual 502 without the upstream's address while the log says which certificate check
 * failed. Real processes: `serve`, an HTTPS echo upstream, certificates made by openssl.
 */
import { randomBytes, createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { generateKeyPair, issueJwt } from '../../src/index.js';
import { startEchoUpstream, type EchoReply, type EchoUpstream } from '../support/echo-upstream.js';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { describeWithOpenssl, selfSignedCertificate } from '../support/tls.js';

const service = generateKeyPair();
const user = generateKeyPair();
let upstream: EchoUpstream;
let trusting: GatewayProcess;
let distrusting: GatewayProcess;
let token: string;

function routes() {
  return [{ prefix: '/api', upstream: upstream.url, auth: 'required', websocket: true }];
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pg-https-upstream-'));
  const certificate = selfSignedCertificate(dir, 'upstream');
  upstream = await startEchoUpstream({
    tls: { cert: certificate.pem, key: readFileSync(certificate.keyFile, 'utf8') },
  });
  const config = { logLevel: 'warn', relays: [], store: { kind: 'memory' }, routes: routes() };
  [trusting, distrusting] = await Promise.all([
    startGatewayProcess(config, { PORTAL_SERVICE_KEY: service.secretKey, NODE_EXTRA_CA_CERTS: certificate.certFile }),
    startGatewayProcess(config, { PORTAL_SERVICE_KEY: service.secretKey }),
  ]);
  token = issueJwt(service.secretKey, user.publicKey, 1);
}, 60_000);

afterAll(async () => {
  await Promise.all([trusting?.stop(), distrusting?.stop()]);
  await upstream?.close();
});

/** The first message of a WebSocket opened through `gateway` (the echo upstream greets with what it got). */
function firstWebSocketMessage(gateway: GatewayProcess, send: string): Promise<{ greeting: string; echo: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${gateway.url.replace(/^http/, 'ws')}/api/socket`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const received: string[] = [];
    socket.on('open', () => socket.send(send));
    socket.on('message', (data) => {
      received.push(String(data));
      if (received.length === 2) {
        socket.close();
        resolve({ greeting: received[0]!, echo: received[1]! });
      }
    });
    socket.on('error', reject);
  });
}

describeWithOpenssl('an HTTPS upstream', () => {
  it('is reached over TLS when its CA is trusted (NODE_EXTRA_CA_CERTS): requests, bodies and WebSockets', async () => {
    expect(upstream.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const got = await fetch(`${trusting.url}/api/items?page=2`, { headers: { authorization: `Bearer ${token}` } });
    expect(got.status).toBe(200);
    const echoed = (await got.json()) as EchoReply;
    expect(echoed.url).toBe('/api/items?page=2');
    expect(echoed.headers['x-portal-target-key']).toBe(user.publicKey);
    expect(echoed.headers.authorization).toBeUndefined();

    const body = randomBytes(300 * 1024);
    const posted = await fetch(`${trusting.url}/api/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
      body,
    });
    expect(posted.status).toBe(200);
    const upload = (await posted.json()) as EchoReply;
    expect(upload.bodyBytes).toBe(body.length);
    expect(upload.bodySha256).toBe(createHash('sha256').update(body).digest('hex'));

    const { greeting, echo } = await firstWebSocketMessage(trusting, 'over wss');
    expect(JSON.parse(greeting).headers['x-portal-target-key']).toBe(user.publicKey);
    expect(echo).toBe('over wss');

    const ready = (await (await fetch(`${trusting.url}/readyz`)).json()) as {
      upstreams: Record<string, { ok: boolean }>;
    };
    expect(ready.upstreams[upstream.url]).toMatchObject({ ok: true });
  });

  it('answers 502 without its address when its certificate is not trusted, and logs why as upstream_failed', async () => {
    const got = await fetch(`${distrusting.url}/api/items?secret=1`, { headers: { authorization: `Bearer ${token}` } });
    expect(got.status).toBe(502);
    const text = await got.text();
    expect(JSON.parse(text)).toEqual({ error: 'ERR_UPSTREAM_UNAVAILABLE', message: expect.any(String) });
    expect(text).not.toContain('127.0.0.1');

    await expect(firstWebSocketMessage(distrusting, 'never')).rejects.toThrow(/502/);

    const failures = await loggedFailures(distrusting, 2);
    expect(failures).toHaveLength(2);
    for (const line of failures) {
      expect(line).toMatchObject({
        level: 40,
        event: 'upstream_failed',
        route: '/api',
        upstream: upstream.url,
        code: 'ERR_UPSTREAM_UNAVAILABLE',
      });
      expect(line.reason).toMatch(/self.signed certificate/i);
    }
    expect(distrusting.output()).not.toContain(token);
    expect(distrusting.output()).not.toContain('secret=1');
    const metrics = await (await fetch(`${distrusting.url}/metrics`)).text();
    expect(metrics).toContain('portal_gateway_upstream_failures_total{route="/api",code="upstream_unavailable"} 2');
    // The trusting gateway had nothing to report.
    expect(trusting.output()).not.toContain('upstream_failed');
  });
});

/** The gateway's `upstream_failed` log lines, once there are `count` of them (the log arrives through a pipe). */
async function loggedFailures(gateway: GatewayProcess, count: number): Promise<Record<string, unknown>[]> {
  const lines = () =>
    gateway
      .output()
      .split('\n')
      .filter((line) => line.includes('"upstream_failed"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  for (const deadline = Date.now() + 5000; lines().length < count && Date.now() < deadline;)
    await new Promise((resolve) => setTimeout(resolve, 25));
  return lines();
}
