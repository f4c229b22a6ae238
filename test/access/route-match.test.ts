/** Route matching for forward-auth: the proxy routes' rule, on the path as nginx and Caddy see it. */
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.js';
import { createRouteMatcher, normalizePath } from '../../src/access/route-match.js';

describe('normalizePath', () => {
  it.each([
    ['/api/x', '/api/x'],
    ['/public/../admin/x', '/admin/x'],
    ['/public/%2e%2e/admin', '/admin'],
    ['/public%2F..%2Fadmin', '/admin'],
    ['//admin///x/./y', '/admin/x/y'],
    ['/../../admin', '/admin'],
    ['/a/%252e%252e/b', '/a/%2e%2e/b'], // decoded once, as the proxies do
    ['/caf%C3%A9', '/café'],
    ['/bad%zz', '/bad%zz'],
    ['', '/'],
  ])('%s -> %s', (raw, normalized) => {
    expect(normalizePath(raw)).toBe(normalized);
  });
});

describe('createRouteMatcher', () => {
  const { routes } = validateConfig({
    routes: [
      { prefix: '/api', auth: 'required' },
      { prefix: '/api/admin', auth: 'required', permissions: ['admin'] },
      { prefix: '/public', auth: 'public' },
    ],
  });
  const match = createRouteMatcher(routes);

  it('takes the longest prefix on whole segments', () => {
    expect(match('/api/admin/x')?.prefix).toBe('/api/admin');
    expect(match('/api/adminx')?.prefix).toBe('/api');
    expect(match('/api')?.prefix).toBe('/api');
    expect(match('/apix')).toBeUndefined();
    expect(match('/')).toBeUndefined();
  });

  it('a "/" route matches everything no longer prefix does', () => {
    const withRoot = createRouteMatcher(
      validateConfig({ routes: [{ prefix: '/', auth: 'public' }, { prefix: '/api' }] }).routes,
    );
    expect(withRoot('/anything')?.prefix).toBe('/');
    expect(withRoot('/api/x')?.prefix).toBe('/api');
  });
});
