import { describe, expect, it } from 'vitest';
import { upstreamTarget } from '../../src/proxy/upstream-target.js';

describe('upstreamTarget', () => {
  it('joins the base path and rewritePrefix, whatever the trailing slashes', () => {
    for (const upstream of ['http://h:3000/base', 'http://h:3000/base/', 'http://h:3000/base//']) {
      expect(upstreamTarget({ upstream, rewritePrefix: '/api' })).toEqual({
        origin: 'http://h:3000',
        pathPrefix: '/base/api',
      });
      expect(upstreamTarget({ upstream, rewritePrefix: '/api/' })).toEqual({
        origin: 'http://h:3000',
        pathPrefix: '/base/api',
      });
      expect(upstreamTarget({ upstream, rewritePrefix: '/' })).toEqual({
        origin: 'http://h:3000',
        pathPrefix: '/base',
      });
    }
  });

  it('without a base path the rewritePrefix alone, and the root as ""', () => {
    expect(upstreamTarget({ upstream: 'https://h', rewritePrefix: '/v2' })).toEqual({
      origin: 'https://h',
      pathPrefix: '/v2',
    });
    expect(upstreamTarget({ upstream: 'https://h/', rewritePrefix: '/' })).toEqual({
      origin: 'https://h',
      pathPrefix: '',
    });
  });
});
