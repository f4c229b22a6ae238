/**
 * The identity assertion end to end: a real gateway in front of the echo upstream signs
 * `x-portal-assertion` on every authenticated proxied request (HTTP and WebSocket), which jose verifies
 * against the gateway's `/.well-known/jwks.json` fetched over HTTP; a client-sent assertion never
 * reaches the upstream; `assertion.enabled: false` turns it all off; `PORTAL_ASSERTION_KEY_FILE` gives
 * the key of a gateway run as a process.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { generateKeyPair, issueJwt } from '../../src/index.js';
import { jwkThumbprint } from '../../src/assertion/keyring.js';
import { startEchoUpstream, type EchoReply, type EchoUpstream } from '../support/echo-upstream.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { startGatewayProcess } from '../support/gateway-process.js';
import { runProgram } from '../cli/helpers.js';

const service = generateKeyPair();
const user = generateKeyPair();
let upstream: EchoUpstream;
let gw: RunningGateway;

beforeAll(async () => {
  upstream = await startEchoUpstream();
  gw = await startGateway({
    serviceKey: service.secretKey,
    store: { kind: 'memory' },
    logLevel: 'warn',
    routes: [
      { prefix: '/api', upstream: upstream.url, auth: 'required', websocket: true },
      { prefix: '/named', upstream: upstream.url, auth: 'required', assertion: { audience: 'urn:named-api' } },
      { prefix: '/maybe', upstream: upstream.url, auth: 'optional' },
    ],
  });
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function echo(url: string, headers: Record<string, string>): Promise<EchoReply> {
  const response = await fetch(url, { headers });
  expect(response.status).toBe(200);
  return (await response.json()) as EchoReply;
}

describe('x-portal-assertion on proxied requests', () => {
  it('is signed for the upstream origin and verifies against the published JWKS', async () => {
    const token = issueJwt(service.secretKey, user.publicKey, 1, { extraClaims: { permissions: ['read'] } });
    const seen = await echo(`${gw.url}/api/x`, {
      ...bearer(token),
      'x-portal-assertion': 'forged',
      'X-Portal-Npub': 'npub1forged',
    });
    const assertion = seen.headers['x-portal-assertion'] as string;
    expect(assertion).not.toBe('forged');
    const jwks = createRemoteJWKSet(new URL(`${gw.url}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(assertion, jwks, {
      issuer: gw.url,
      audience: upstream.url,
      algorithms: ['ES256'],
    });
    expect(payload).toMatchObject({
      sub: user.publicKey,
      npub: seen.headers['x-portal-npub'],
      flow: 'service',
      permissions: ['read'],
    });
    expect(payload.exp! - payload.iat!).toBe(60);
    expect(protectedHeader.alg).toBe('ES256');
  });

  it('publishes an RFC 7517 key set whose kids are RFC 7638 thumbprints', async () => {
    const response = await fetch(`${gw.url}/.well-known/jwks.json`);
    expect(response.headers.get('content-type')).toMatch(/json/);
    const { keys } = (await response.json()) as {
      keys: { kty: string; crv: string; x: string; y: string; kid: string; d?: string }[];
    };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(keys[0]!.kid).toBe(jwkThumbprint(keys[0]!));
    expect(keys[0]).not.toHaveProperty('d');
  });

  it('uses the route assertion.audience, and reuses one assertion across requests with the same token', async () => {
    const token = issueJwt(service.secretKey, user.publicKey, 1);
    const first = await echo(`${gw.url}/named/a`, bearer(token));
    const second = await echo(`${gw.url}/named/b`, bearer(token));
    expect(second.headers['x-portal-assertion']).toBe(first.headers['x-portal-assertion']);
    const jwks = createRemoteJWKSet(new URL(`${gw.url}/.well-known/jwks.json`));
    await jwtVerify(first.headers['x-portal-assertion'] as string, jwks, { audience: 'urn:named-api' });
  });

  it('is absent for anonymous requests, and a client-sent one never gets through', async () => {
    const seen = await echo(`${gw.url}/maybe/x`, { 'x-portal-assertion': 'forged', x_portal_assertion: 'forged' });
    expect(Object.keys(seen.headers).filter((name) => /^x[-_]portal/i.test(name))).toEqual([]);
  });

  it('rides on the WebSocket handshake too', async () => {
    const token = issueJwt(service.secretKey, user.publicKey, 1);
    const socket = new WebSocket(`${gw.url.replace('http', 'ws')}/api/ws`, { headers: bearer(token) });
    const first = await new Promise<string>((resolve, reject) => {
      socket.once('message', (data) => resolve(data.toString()));
      socket.once('error', reject);
    });
    socket.close();
    const { headers } = JSON.parse(first) as { headers: Record<string, string> };
    const jwks = createRemoteJWKSet(new URL(`${gw.url}/.well-known/jwks.json`));
    await jwtVerify(headers['x-portal-assertion']!, jwks, { audience: upstream.url });
  });
});

describe('under gatewayPrefix', () => {
  it('serves the key set and forward-auth under the prefix, and sends browsers to the sign-in page there', async () => {
    const prefixed = await startGateway({
      serviceKey: service.secretKey,
      store: { kind: 'memory' },
      logLevel: 'warn',
      gatewayPrefix: '/.portal',
      routes: [{ prefix: '/app', auth: 'required', loginRedirect: true }],
    });
    try {
      expect((await fetch(`${prefixed.url}/.well-known/jwks.json`)).status).toBe(404);
      const jwks = createRemoteJWKSet(new URL(`${prefixed.url}/.portal/.well-known/jwks.json`));
      const allowed = await fetch(`${prefixed.url}/.portal/auth/verify`, {
        headers: { ...bearer(issueJwt(service.secretKey, user.publicKey, 1)), 'x-forwarded-uri': '/app/x' },
      });
      expect(allowed.status).toBe(200);
      await jwtVerify(allowed.headers.get('x-portal-assertion')!, jwks, { issuer: prefixed.url });
      const page = await fetch(`${prefixed.url}/.portal/auth/verify`, {
        headers: { accept: 'text/html', 'x-forwarded-uri': '/app/x' },
        redirect: 'manual',
      });
      expect(page.status).toBe(302);
      expect(page.headers.get('location')).toBe(`/.portal/auth/login?next=${encodeURIComponent('/app/x')}`);
    } finally {
      await prefixed.close();
    }
  });
});

describe('assertion settings', () => {
  it('assertion.enabled: false sends no assertion and publishes no key set', async () => {
    const off = await startGateway({
      serviceKey: service.secretKey,
      store: { kind: 'memory' },
      logLevel: 'warn',
      assertion: { enabled: false },
      routes: [{ prefix: '/api', upstream: upstream.url }],
    });
    try {
      const seen = await echo(`${off.url}/api/x`, bearer(issueJwt(service.secretKey, user.publicKey, 1)));
      expect(seen.headers['x-portal-target-key']).toBe(user.publicKey);
      expect(seen.headers['x-portal-assertion']).toBeUndefined();
      expect((await fetch(`${off.url}/.well-known/jwks.json`)).status).toBe(404);
    } finally {
      await off.close();
    }
  });

  it('a gateway process signs ES256K assertions with the key in PORTAL_ASSERTION_KEY_FILE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portal-assertion-key-'));
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    const keyFile = join(dir, 'assertion.pem');
    writeFileSync(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    const kid = jwkThumbprint(privateKey.export({ format: 'jwk' }) as { crv: string; x: string; y: string });
    const child = await startGatewayProcess(
      {
        serviceKey: service.secretKey,
        store: { kind: 'memory' },
        assertion: { alg: 'ES256K' },
        publicUrl: 'https://gateway.example',
        routes: [{ prefix: '/api', upstream: upstream.url }],
      },
      { PORTAL_ASSERTION_KEY_FILE: keyFile },
    );
    try {
      const seen = await echo(`${child.url}/api/x`, bearer(issueJwt(service.secretKey, user.publicKey, 1)));
      const assertion = seen.headers['x-portal-assertion'] as string;
      expect(decodeProtectedHeader(assertion)).toMatchObject({ alg: 'ES256K', kid });
      const jwks = createRemoteJWKSet(new URL(`${child.url}/.well-known/jwks.json`));
      const { payload } = await jwtVerify(assertion, jwks, {
        issuer: 'https://gateway.example',
        audience: upstream.url,
        algorithms: ['ES256K'],
      });
      expect(payload.sub).toBe(user.publicKey);
    } finally {
      await child.stop();
    }
  }, 60_000);

  it('portal-gateway assertion-key rotate: a running gateway signs with the new key, and both stay published', async () => {
    const child = await startGatewayProcess({
      serviceKey: service.secretKey,
      store: { kind: 'memory' },
      routes: [{ prefix: '/api', upstream: upstream.url }],
    });
    try {
      const token = issueJwt(service.secretKey, user.publicKey, 1);
      const kidOf = async () =>
        decodeProtectedHeader((await echo(`${child.url}/api/x`, bearer(token))).headers['x-portal-assertion'] as string)
          .kid;
      const oldKid = await kidOf();
      const rotated = await runProgram(['assertion-key', 'rotate'], { env: { PORTAL_DATA_DIR: child.dataDir } });
      expect(rotated.code, rotated.stderr).toBe(0);
      expect(rotated.stdout).toContain(`previous key ${oldKid} stays published`);
      await expect.poll(kidOf, { timeout: 10_000, interval: 200 }).not.toBe(oldKid);
      const newKid = await kidOf();
      const { keys } = (await (await fetch(`${child.url}/.well-known/jwks.json`)).json()) as {
        keys: { kid: string }[];
      };
      expect(keys.map((k) => k.kid)).toEqual([newKid, oldKid]);
      const jwks = createRemoteJWKSet(new URL(`${child.url}/.well-known/jwks.json`));
      await jwtVerify((await echo(`${child.url}/api/x`, bearer(token))).headers['x-portal-assertion'] as string, jwks, {
        audience: upstream.url,
      });
    } finally {
      await child.stop();
    }
  }, 60_000);
});
