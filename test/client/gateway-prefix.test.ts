/** The client's view of the gateway's endpoints: the same paths as the gateway's own list, under the discovered or given prefix. */
import { describe, expect, it } from 'vitest';
import { CLIENT_ENDPOINTS, gatewayPrefixFinder, isGatewayPrefix } from '../../src/client/gateway-prefix.js';
import { ENDPOINT_PATHS, gatewayPrefixProblem } from '../../src/gateway-endpoints.js';

/** A fetch that answers from a table and records what was asked. */
function fakeFetch(answer: (url: string) => Response | Error) {
  const asked: string[] = [];
  const fetchImpl = (async (input: string | URL | Request) => {
    asked.push(String(input));
    const result = answer(String(input));
    if (result instanceof Error) throw result;
    return result;
  }) as typeof fetch;
  return { asked, fetchImpl };
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('the client endpoints', () => {
  it("are the gateway's own paths", () => {
    expect(CLIENT_ENDPOINTS).toEqual({
      login: ENDPOINT_PATHS.login,
      refresh: ENDPOINT_PATHS.refresh,
      logout: ENDPOINT_PATHS.logout,
      discovery: ENDPOINT_PATHS.discovery,
    });
  });

  it('accept the same prefixes as the gateway', () => {
    for (const prefix of ['', '/.portal', '/a/b', '/', '/a/', 'a', '/a b', '/..', '/a/./b', '/a?b', '//x']) {
      expect(isGatewayPrefix(prefix), prefix).toBe(gatewayPrefixProblem(prefix) === undefined);
    }
  });
});

describe('gatewayPrefixFinder', () => {
  it('uses a given prefix without asking the gateway, and refuses a bad one', async () => {
    const { asked, fetchImpl } = fakeFetch(() => new Error('not called'));
    expect(await gatewayPrefixFinder(fetchImpl, 'https://gw', '/.portal')()).toBe('/.portal');
    expect(await gatewayPrefixFinder(fetchImpl, 'https://gw', '')()).toBe('');
    expect(asked).toEqual([]);
    expect(() => gatewayPrefixFinder(fetchImpl, 'https://gw', '/.portal/')).toThrow(/gatewayPrefix/);
  });

  it('reads gateway_prefix from the discovery document at the root, once', async () => {
    const { asked, fetchImpl } = fakeFetch(() => json({ service_npub: 'npub1…', gateway_prefix: '/.portal' }));
    const find = gatewayPrefixFinder(fetchImpl, 'https://gw', undefined);
    expect(await find()).toBe('/.portal');
    expect(await find()).toBe('/.portal');
    expect(asked).toEqual(['https://gw/.well-known/portal-gateway']);
  });

  it('takes no prefix from a gateway without the document or with a bad value', async () => {
    for (const answer of [
      json({ error: 'ERR_ROUTE_NOT_FOUND' }, 404),
      json({ service_npub: 'npub1…' }),
      json({ gateway_prefix: '//evil.example' }),
      new Response('<html>'),
    ]) {
      expect(await gatewayPrefixFinder(fakeFetch(() => answer).fetchImpl, '', undefined)()).toBe('');
    }
  });

  it('asks again after a failed request or a struggling gateway', async () => {
    let calls = 0;
    const { fetchImpl } = fakeFetch(() =>
      ++calls === 1 ? new TypeError('fetch failed') : calls === 2 ? json({}, 503) : json({ gateway_prefix: '/gw' }),
    );
    const find = gatewayPrefixFinder(fetchImpl, 'https://gw', undefined);
    await expect(find()).rejects.toThrow('fetch failed');
    await expect(find()).rejects.toThrow(/HTTP 503/);
    expect(await find()).toBe('/gw');
  });
});
