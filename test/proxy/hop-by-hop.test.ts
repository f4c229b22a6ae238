import { describe, expect, it } from 'vitest';
import { responseHeaderList } from '../../src/proxy/hop-by-hop.js';

const raw = (...lines: string[]) => lines.map((line) => Buffer.from(line, 'latin1'));
const unchanged = (location: string) => location;

describe('responseHeaderList', () => {
  it('drops the hop-by-hop headers and those Connection names, and keeps the rest in order', () => {
    const list = responseHeaderList(
      raw(
        'Connection',
        'keep-alive, X-Private ,x-other',
        'X-Private',
        '1',
        'x-other',
        '2',
        'Keep-Alive',
        'timeout=5',
        'Proxy-Authenticate',
        'Basic',
        'Proxy-Connection',
        'keep-alive',
        'TE',
        'trailers',
        'Trailer',
        'x-sum',
        'Upgrade',
        'h2c',
        'Transfer-Encoding',
        'chunked',
        'Content-Type',
        'application/json',
        'Set-Cookie',
        'a=1',
        'Set-Cookie',
        'b=2',
      ),
      unchanged,
    );
    expect(list).toEqual(['Content-Type', 'application/json', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2']);
  });

  it('reads every Connection header when there are several, wherever they stand', () => {
    expect(
      responseHeaderList(
        raw('x-a', '1', 'Connection', 'x-a', 'ETag', '"e"', 'Connection', 'close, x-b', 'x-b', '2'),
        unchanged,
      ),
    ).toEqual(['ETag', '"e"']);
  });

  it('keeps bytes outside ASCII as they came and drops values Node would refuse', () => {
    expect(responseHeaderList(raw('X-Name', 'caf\xe9', 'X-Bad', 'a\x01b', 'Content-Length', '2'), unchanged)).toEqual([
      'X-Name',
      'caf\xe9',
      'Content-Length',
      '2',
    ]);
  });

  it('passes Location through the rewrite', () => {
    expect(responseHeaderList(raw('Location', '/base/next'), (location) => location.replace('/base', '/api'))).toEqual([
      'Location',
      '/api/next',
    ]);
  });
});
