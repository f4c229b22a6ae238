/**
 * The upstream header policy, without a socket: what the upstream receives for a request, given the
 * route (token passed on or not), the trust in a proxy in front, and the caller's identity.
 */
import type { FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { PortalIdentity } from '../../src/jwt/identity.js';
import { upstreamHeaderList, type UpstreamHeaderOptions } from '../../src/proxy/upstream-headers.js';

const identity = {
  targetKey: 'a'.repeat(64),
  npub: 'npub1alice',
  flow: 'login',
  issuer: 'b'.repeat(64),
  permissions: ['read', 'write'],
  sessionId: 'session-1',
  claims: { target_key: 'a'.repeat(64), exp: 2_000_000_000 },
} as unknown as PortalIdentity;

function request(headers: IncomingHttpHeaders, portal: PortalIdentity | null = identity): FastifyRequest {
  return {
    raw: { socket: { remoteAddress: '10.0.0.7' } },
    protocol: 'http',
    host: 'gw.example',
    headers: { host: 'gw.example', ...headers },
    portal,
  } as unknown as FastifyRequest;
}

const options = (trustProxy: boolean): UpstreamHeaderOptions => ({ cookieName: 'portal_session', trustProxy });

/** The list as name → values, to look headers up (the list may repeat a name). */
function byName(list: readonly string[]): Record<string, string[]> {
  expect(list.length % 2).toBe(0);
  const out: Record<string, string[]> = {};
  for (let i = 0; i < list.length; i += 2) (out[list[i]!] ??= []).push(list[i + 1]!);
  return out;
}

function headersFor(
  headers: IncomingHttpHeaders,
  passToken = false,
  trustProxy = false,
  portal?: PortalIdentity | null,
) {
  return byName(upstreamHeaderList(request(headers, portal), { passToken }, options(trustProxy), 'http://upstream'));
}

describe('upstreamHeaderList', () => {
  it('drops the bearer token and the session cookie (other cookies stay), and adds the identity and X-Forwarded-*', () => {
    const out = headersFor({
      authorization: 'Bearer tok',
      cookie: 'theme=dark; portal_session=tok; lang=en',
      connection: 'keep-alive',
      'x-forwarded-for': '203.0.113.9',
      'x-forwarded-proto': 'https',
      accept: 'application/json',
    });
    expect(out.authorization).toBeUndefined();
    expect(out.cookie).toEqual(['theme=dark; lang=en']);
    expect(out.connection).toBeUndefined();
    expect(out.accept).toEqual(['application/json']);
    // No proxy is trusted: what the client claimed is replaced by what the gateway saw, once.
    expect(out['x-forwarded-for']).toEqual(['10.0.0.7']);
    expect(out['x-forwarded-proto']).toEqual(['http']);
    expect(out['x-forwarded-host']).toEqual(['gw.example']);
    expect(out).toMatchObject({
      'x-portal-target-key': [identity.targetKey],
      'x-portal-npub': ['npub1alice'],
      'x-portal-auth-flow': ['login'],
      'x-portal-permissions': ['read,write'],
      'x-portal-session-id': ['session-1'],
    });
    expect(out['x-portal-assertion']).toBeUndefined();
  });

  it('drops a cookie header that held only the session cookie', () => {
    expect(headersFor({ cookie: 'portal_session=tok' }).cookie).toBeUndefined();
  });

  it('keeps the token on a route that passes it, and extends X-Forwarded-* behind a trusted proxy', () => {
    const out = headersFor(
      {
        authorization: 'Bearer tok',
        cookie: 'portal_session=tok',
        'x-forwarded-for': '203.0.113.9',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'public.example',
      },
      true,
      true,
      null,
    );
    expect(out.authorization).toEqual(['Bearer tok']);
    expect(out.cookie).toEqual(['portal_session=tok']);
    expect(out['x-forwarded-for']).toEqual(['203.0.113.9, 10.0.0.7']);
    expect(out['x-forwarded-proto']).toEqual(['https']);
    expect(out['x-forwarded-host']).toEqual(['public.example']);
    expect(out['x-portal-target-key']).toBeUndefined();
  });

  it('leaves a non-bearer Authorization header alone', () => {
    expect(headersFor({ authorization: 'Basic dXNlcjpwdw==' }, false, false, null).authorization).toEqual([
      'Basic dXNlcjpwdw==',
    ]);
  });

  it('leaves out the hop-by-hop request headers, and those Connection names', () => {
    const out = headersFor(
      {
        connection: 'keep-alive, X-Hop',
        'x-hop': 'secret',
        'keep-alive': '300',
        'proxy-connection': 'keep-alive',
        'proxy-authorization': 'Basic dXNlcjpwYXNz',
        te: 'trailers',
        trailer: 'x-sum',
        upgrade: 'h2c',
        expect: '100-continue',
        'transfer-encoding': 'chunked',
        'content-length': '12',
        accept: '*/*',
      },
      false,
      false,
      null,
    );
    expect(Object.keys(out).filter((name) => !name.startsWith('x-forwarded-'))).toEqual(['content-length', 'accept']);
  });

  it('sends each value of a header that arrived as a list', () => {
    const out = headersFor({ 'x-many': ['a', 'b'] as unknown as string }, false, false, null);
    expect(out['x-many']).toEqual(['a', 'b']);
  });
});
