/**
 * The upstream path rule: the route prefix replaced by the rewrite prefix, the query kept as sent, and
 * paths that would leave the rewrite prefix once decoded and normalised refused with ERR_BAD_REQUEST.
 */
import { describe, expect, it } from 'vitest';
import { BadRequest } from '../../src/errors.js';
import { upstreamPathRule } from '../../src/proxy/upstream-path.js';

describe('upstreamPathRule', () => {
  const api = upstreamPathRule('/api', '/base/api');
  const strip = upstreamPathRule('/strip', '/base');
  const root = upstreamPathRule('/plain', '');
  const rooted = upstreamPathRule('/', '/base/');

  it('replaces the prefix and keeps the rest and the query byte for byte', () => {
    expect(api('/api/x?q=1&r=%2F')).toBe('/base/api/x?q=1&r=%2F');
    expect(api('/api')).toBe('/base/api');
    expect(api('/api/')).toBe('/base/api/');
    expect(api('/api/file.json')).toBe('/base/api/file.json');
    expect(api('/api/a%20b')).toBe('/base/api/a%20b');
    expect(strip('/strip/x/?q')).toBe('/base/x/?q');
    expect(strip('/strip?q=1')).toBe('/base?q=1');
    expect(root('/plain/x?q=1')).toBe('/x?q=1');
    expect(root('/plain?q=1')).toBe('/?q=1');
    expect(rooted('/')).toBe('/base/');
    expect(rooted('/a/b')).toBe('/base/a/b');
  });

  it('matches a prefix the client percent-encoded, as the router did', () => {
    expect(api('/%61pi/x')).toBe('/base/api/x');
  });

  it('refuses dot segments in any spelling, backslashes and undecodable paths', () => {
    const hostile = [
      [api, '/api/../../etc'],
      [api, '/api/%2e%2e/x'],
      [api, '/api/..%2f..%2fetc'],
      [strip, '/strip/..'],
      [strip, '/strip/%2e%2e%2fsecret'],
      [strip, '/strip/%zz'],
      [strip, '/strip\\..\\x'],
      [root, '/plain//evil.example/x'],
    ] as const;
    for (const [rule, path] of hostile) expect(() => rule(path), path).toThrow(BadRequest);
  });

  it('lets single dots and dotted names through when they stay under the prefix', () => {
    expect(strip('/strip/./x')).toBe('/base/./x');
    expect(strip('/strip/.well-known/x')).toBe('/base/.well-known/x');
    expect(strip('/strip/a..b')).toBe('/base/a..b');
  });
});
