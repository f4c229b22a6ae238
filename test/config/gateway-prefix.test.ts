/** `gatewayPrefix` in the configuration: its default, its validation, and the routes it frees or forbids. */
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/validate.js';
import { ConfigInvalid } from '../../src/errors.js';

const upstream = 'http://127.0.0.1:3000';

function problemsOf(raw: unknown): string[] {
  try {
    validateConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigInvalid);
    return [...(error as ConfigInvalid).problems];
  }
  throw new Error('expected the configuration to be rejected');
}

describe('gatewayPrefix', () => {
  it('defaults to "" and keeps a valid prefix', () => {
    expect(validateConfig({ routes: [] }).gatewayPrefix).toBe('');
    expect(validateConfig({ gatewayPrefix: '', routes: [] }).gatewayPrefix).toBe('');
    expect(validateConfig({ gatewayPrefix: '/.portal', routes: [] }).gatewayPrefix).toBe('/.portal');
  });

  it('names the key for a bad value', () => {
    expect(problemsOf({ gatewayPrefix: '.portal', routes: [] })).toEqual([
      expect.stringMatching(/^gatewayPrefix: must be "" or a path such as "\/\.portal": starting with \//),
    ]);
    expect(problemsOf({ gatewayPrefix: '/.portal/', routes: [] })).toEqual([
      expect.stringMatching(/^gatewayPrefix: .*without a trailing \//),
    ]);
    expect(problemsOf({ gatewayPrefix: '/p?x=1', routes: [] })).toEqual([
      expect.stringMatching(/^gatewayPrefix: .*query/),
    ]);
    expect(problemsOf({ gatewayPrefix: '/a/../b', routes: [] })).toEqual([
      'gatewayPrefix: must not contain "." or ".." segments',
    ]);
    expect(problemsOf({ gatewayPrefix: 7, routes: [] })).toEqual([
      'gatewayPrefix: must be a string such as "/.portal"',
    ]);
  });

  it('refuses a route on a gateway endpoint or under one, naming the route key', () => {
    const problems = problemsOf({
      routes: [
        { prefix: '/api', upstream, auth: 'public' },
        { prefix: '/healthz', upstream, auth: 'public' },
        { prefix: '/auth/login/', upstream, auth: 'public' },
        { prefix: '/admin/tokens/x', upstream, auth: 'public' },
      ],
    });
    expect(problems).toEqual([
      'routes[1].prefix: "/healthz" is the gateway\'s own endpoint /healthz; choose another prefix, or move the gateway\'s endpoints with gatewayPrefix (e.g. "/.portal")',
      'routes[2].prefix: "/auth/login" is the gateway\'s own endpoint /auth/login; choose another prefix, or move the gateway\'s endpoints with gatewayPrefix (e.g. "/.portal")',
      'routes[3].prefix: "/admin/tokens/x" is under the gateway\'s own endpoint /admin/tokens; choose another prefix, or move the gateway\'s endpoints with gatewayPrefix (e.g. "/.portal")',
    ]);
  });

  it('frees the old paths for routes once the endpoints move, and guards the new ones', () => {
    const config = validateConfig({
      gatewayPrefix: '/.portal',
      routes: [
        { prefix: '/auth/login', upstream },
        { prefix: '/healthz', upstream },
      ],
    });
    expect(config.routes.map((r) => r.prefix)).toEqual(['/auth/login', '/healthz']);
    expect(problemsOf({ gatewayPrefix: '/.portal', routes: [{ prefix: '/.portal/metrics', upstream }] })).toEqual([
      'routes[0].prefix: "/.portal/metrics" is the gateway\'s own endpoint /.portal/metrics; choose another prefix',
    ]);
  });

  it('accepts routes that contain endpoints (they start, with a warning)', () => {
    expect(
      validateConfig({
        routes: [
          { prefix: '/', upstream },
          { prefix: '/admin', upstream },
        ],
      }).routes,
    ).toHaveLength(2);
  });
});
