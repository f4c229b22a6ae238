/**
 * The upstream header policy, without a socket: what the upstream receives for a request, given the
 * route (token passed on or not), the trust in a proxy in front, and the caller's identity.
 */
import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { PortalIdentity } from '../../src/jwt/identity.js';
import type { RouteConfig } from '../../src/config/types.js';
import { upstreamHeaders, type ForwardOptions } from '../../src/proxy/proxied-routes.js';

const identity = {
  targetKey: 'a'.repeat(64),
  npub: 'npub1alice',
  flow: 'login',
  issuer: 'b'.repeat(64),
  permissions: ['read', 'write'],
  sessionId: 'session-1',
  claims: { target_key: 'a'.repeat(64), exp: 2_000_000_000 },
} as unknown as PortalIdentity;

function request(portal: PortalIdentity | null = identity): FastifyRequest {
  return {
    raw: { socket: { remoteAddress: '10.0.0.7' } },
    protocol: 'http',
    host: 'gw.example',
    headers: { host: 'gw.example' },
    portal,
  } as unknown as FastifyRequest;
}

const route = (passToken: boolean) => ({ passToken, assertion: {} }) as unknown as RouteConfig;
const options = (trustProxy: boolean): ForwardOptions => ({
  cookieName: 'portal_session',
  trustProxy,
  maxBodyBytes: 1024,
});

describe('upstreamHeaders', () => {
  it('drops the bearer token and the session cookie (other cookies stay), and adds the identity and X-Forwarded-*', () => {
    const headers = {
      authorization: 'Bearer tok',
      cookie: 'theme=dark; portal_session=tok; lang=en',
      connection: 'keep-alive',
      'x-forwarded-for': '203.0.113.9',
      'x-forwarded-proto': 'https',
    };
    const out = upstreamHeaders(request(), headers, route(false), options(false), 'http://upstream');
    expect(out.authorization).toBeUndefined();
    expect(out.cookie).toBe('theme=dark; lang=en');
    expect(out.connection).toBeUndefined();
    // No proxy is trusted: what the client claimed is replaced by what the gateway saw.
    expect(out['x-forwarded-for']).toBe('10.0.0.7');
    expect(out['x-forwarded-proto']).toBe('http');
    expect(out['x-forwarded-host']).toBe('gw.example');
    expect(out).toMatchObject({
      'x-portal-target-key': identity.targetKey,
      'x-portal-npub': 'npub1alice',
      'x-portal-auth-flow': 'login',
      'x-portal-permissions': 'read,write',
      'x-portal-session-id': 'session-1',
    });
    expect(out['x-portal-assertion']).toBeUndefined();
  });

  it('keeps the token on a route that passes it, and extends X-Forwarded-* behind a trusted proxy', () => {
    const headers = {
      authorization: 'Bearer tok',
      cookie: 'portal_session=tok',
      'x-forwarded-for': '203.0.113.9',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'public.example',
    };
    const out = upstreamHeaders(request(null), headers, route(true), options(true), 'http://upstream');
    expect(out.authorization).toBe('Bearer tok');
    expect(out.cookie).toBe('portal_session=tok');
    expect(out['x-forwarded-for']).toBe('203.0.113.9, 10.0.0.7');
    expect(out['x-forwarded-proto']).toBe('https');
    expect(out['x-forwarded-host']).toBe('public.example');
    expect(out['x-portal-target-key']).toBeUndefined();
  });

  it('leaves a non-bearer Authorization header alone', () => {
    const out = upstreamHeaders(
      request(null),
      { authorization: 'Basic dXNlcjpwdw==' },
      route(false),
      options(false),
      'http://upstream',
    );
    expect(out.authorization).toBe('Basic dXNlcjpwdw==');
  });
});
