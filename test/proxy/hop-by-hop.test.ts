import { describe, expect, it } from 'vitest';
import { dropRequestHopByHop, dropResponseHopByHop } from '../../src/proxy/hop-by-hop.js';

describe('dropResponseHopByHop', () => {
  it('drops the hop-by-hop headers and those Connection names, and keeps the rest', () => {
    const headers = {
      connection: 'keep-alive, X-Private ,x-other',
      'x-private': '1',
      'x-other': '2',
      'keep-alive': 'timeout=5',
      'proxy-authenticate': 'Basic',
      'proxy-connection': 'keep-alive',
      te: 'trailers',
      trailer: 'x-sum',
      upgrade: 'h2c',
      'content-type': 'application/json',
      'set-cookie': ['a=1', 'b=2'],
    };
    expect(dropResponseHopByHop(headers)).toEqual({ 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
  });

  it('reads every Connection header when there are several', () => {
    expect(dropResponseHopByHop({ connection: ['x-a', 'close, x-b'], 'x-a': '1', 'x-b': '2', etag: '"e"' })).toEqual({ etag: '"e"' });
  });

  it('leaves headers without hop-by-hop ones alone', () => {
    expect(dropResponseHopByHop({ 'content-length': '2', connection: 'keep-alive' })).toEqual({ 'content-length': '2' });
  });
});

describe('dropRequestHopByHop', () => {
  it('unsets the hop-by-hop request headers the HTTP client would refuse or must not forward', () => {
    const headers: Record<string, string | undefined> = {
      'keep-alive': '300',
      'proxy-connection': 'keep-alive',
      te: 'trailers',
      trailer: 'x-sum',
      upgrade: 'h2c',
      expect: '100-continue',
      accept: '*/*',
    };
    dropRequestHopByHop(headers);
    expect(Object.entries(headers).filter(([, value]) => value !== undefined)).toEqual([['accept', '*/*']]);
  });
});
