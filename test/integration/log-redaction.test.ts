/**
 * No query-string value reaches a log line, whatever the parameter is called or however it is spelled:
 * a real gateway process at log level trace, requests sent over raw sockets (fetch would normalise
 * them) to proxied, refused, unmatched, failing and gateway-own paths, malformed ones included, then
 * everything the process wrote is searched for the values.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.js';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { rawRequest, type RawResponse } from '../support/raw-http.js';

let upstream: EchoUpstream;
let gw: GatewayProcess;

beforeAll(async () => {
  upstream = await startEchoUpstream();
  gw = await startGatewayProcess({
    logLevel: 'trace',
    log: { probes: true }, // the probe paths are redacted like any other
    relays: [],
    routes: [
      { prefix: '/public', upstream: upstream.url, auth: 'public' },
      { prefix: '/api', upstream: upstream.url, auth: 'required' },
      { prefix: '/ws', upstream: upstream.url, auth: 'public', websocket: true },
      { prefix: '/down', upstream: `http://127.0.0.1:${await closedPort()}`, auth: 'public' },
    ],
  });
}, 60_000);

afterAll(async () => {
  await gw?.stop();
  await upstream?.close();
});

async function waitFor(done: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 5000; !done();) {
    if (Date.now() > deadline) throw new Error('log line not written within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function get(target: string, headers = ''): Promise<RawResponse> {
  const { response, connection } = await rawRequest(
    gw.url,
    `GET ${target} HTTP/1.1\r\nHost: gateway.test\r\n${headers}Connection: close\r\n\r\n`,
  );
  connection.destroy();
  return response;
}

/** Each spelling puts a fresh secret value after its parameter name. */
const SPELLINGS: Record<string, (value: string) => string> = {
  access_token: (v) => `?access_token=${v}`,
  'access%5Ftoken': (v) => `?access%5Ftoken=${v}`,
  'access_token[]': (v) => `?access_token[]=${v}`,
  jwt: (v) => `?jwt=${v}`,
  auth: (v) => `?auth=${v}`,
  login_secret: (v) => `?login_secret=${v}`,
  'query ;token=': (v) => `?page=2;token=${v}`,
  'path ;token=': (v) => `;token=${v}`,
  'ACCESS_TOKEN after another': (v) => `?page=2&ACCESS_TOKEN=${v}`,
  'token%3D': (v) => `?token%3D${v}`,
  'fragment #access_token=': (v) => `?a=1#access_token=${v}`,
};

const values: string[] = [];
function secret(): string {
  const value = `SeCrEt${randomBytes(9).toString('hex')}`;
  values.push(value);
  return value;
}

describe('request logs', () => {
  it('keep the path and the parameter names of every request, and no value', async () => {
    for (const [name, spell] of Object.entries(SPELLINGS)) {
      const answers = {
        proxied: await get(`/public/echo${spell(secret())}`),
        refused: await get(`/api/echo${spell(secret())}`),
        unmatched: await get(`/nowhere${spell(secret())}`),
        failing: await get(`/down/x${spell(secret())}`),
        gatewayOwn: await get(`/auth/login/unknown-login${spell(secret())}`),
        healthz: await get(`/healthz${spell(secret())}`),
        badPercent: await get(`/public/%zz${spell(secret())}`),
        absoluteForm: await get(`http://user:${secret()}@gateway.test/public/echo${spell(secret())}`),
        malformedHeader: await get(`/public/echo${spell(secret())}`, 'Bad Header: x\r\n'),
        websocket: await get(
          `/ws/socket${spell(secret())}`,
          'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n',
        ),
      };
      expect(answers.proxied.status, name).toBe(200);
      expect(answers.refused.status, name).toBe(401);
      expect(answers.unmatched.status, name).toBe(404);
      expect(answers.failing.status, name).toBe(502);
      // `;` is not a path delimiter for the gateway's own routes: `/healthz;token=…` is unmatched.
      expect([400, 404], name).toContain(answers.gatewayOwn.status);
      expect([200, 404], name).toContain(answers.healthz.status);
      expect(answers.malformedHeader.status, name).toBe(400);
      expect(answers.websocket.status, name).toBe(101);
    }
    // Log lines are written synchronously: once the last request's line is out, every earlier one is.
    await get('/healthz?last');
    await waitFor(() => gw.output().includes('"url":"/healthz?last"'));
    const output = gw.output();
    // The lines were written, with their paths and parameter names.
    expect(output).toContain('"url":"/public/echo?access_token"');
    expect(output).toContain('"url":"/api/echo?access%5Ftoken"');
    expect(output).toContain('"url":"/public/echo;token"');
    expect(output).toContain('"url":"/nowhere?page&ACCESS_TOKEN"');
    expect(output).toContain('client error'); // Fastify's own trace line for the malformed header
    for (const value of values) expect(output).not.toContain(value);
  }, 120_000);
});
