/** What a forward-auth call is about: URI, method and origin as the proxy describes them. */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installErrorHandlers } from '../../src/http/error-handler.js';
import { forwardAuthTarget } from '../../src/routes/forward-auth-target.js';

let app: FastifyInstance;

beforeAll(async () => {
  app = Fastify();
  installErrorHandlers(app);
  app.get('/t', (request) => forwardAuthTarget(request, 'X-Forwarded-Uri', 'X-Forwarded-Method'));
  await app.ready();
});

afterAll(async () => {
  await app.close();
});

const target = async (headers: Record<string, string>) => {
  const response = await app.inject({ url: '/t', headers });
  return { status: response.statusCode, body: response.json() };
};

describe('forwardAuthTarget', () => {
  it('takes the URI, method and origin the proxy sets', async () => {
    expect(
      (
        await target({
          'x-forwarded-uri': '/a/../b/%2e/c?x=1',
          'x-forwarded-method': 'post',
          'x-forwarded-proto': 'https',
          'x-forwarded-host': 'app.example:8443',
        })
      ).body,
    ).toEqual({
      method: 'POST',
      uri: '/a/../b/%2e/c?x=1',
      path: '/b/c',
      origin: 'https://app.example:8443',
    });
  });

  it('accepts a whole URL as the URI, and uses the first of chained values', async () => {
    expect(
      (
        await target({
          'x-forwarded-uri': 'https://app.example/p/q?z',
          'x-forwarded-host': 'one.example, two.example',
          'x-forwarded-proto': 'https, http',
        })
      ).body,
    ).toMatchObject({
      uri: '/p/q?z',
      path: '/p/q',
      origin: 'https://one.example',
    });
  });

  it('falls back to the request itself for a missing or unusable origin, and names no path without a URI header', async () => {
    expect((await target({ 'x-forwarded-host': 'bad host/../x', 'x-forwarded-proto': 'gopher' })).body).toEqual({
      method: 'GET',
      uri: '/',
      origin: 'http://localhost:80',
    });
  });

  it('answers 400 for a URI or method it cannot read', async () => {
    const unreadable: Record<string, string>[] = [
      { 'x-forwarded-uri': 'ftp://x/y' },
      { 'x-forwarded-uri': 'not a uri' },
      { 'x-forwarded-uri': '/a b' },
      { 'x-forwarded-method': 'G3T' },
    ];
    for (const headers of unreadable) {
      const { status, body } = await target(headers);
      expect(status, JSON.stringify(headers)).toBe(400);
      expect(body.error).toBe('ERR_BAD_REQUEST');
    }
  });
});
