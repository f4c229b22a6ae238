/** The gateway's endpoint list: paths under a prefix, the prefix rule, and the route checks built on it. */
import { describe, expect, it } from 'vitest';
import {
  discoveryPaths,
  ENDPOINT_PATHS,
  endpointPaths,
  gatewayPaths,
  gatewayPrefixProblem,
  pathCovers,
  routePrefixProblem,
  shadowedEndpointsWarning,
} from '../src/gateway-endpoints.js';

const none = gatewayPaths('');
const portal = gatewayPaths('/.portal');

describe('gatewayPaths', () => {
  it('puts every endpoint, and the refresh cookie scope, under the prefix', () => {
    expect(none).toMatchObject({
      prefix: '',
      login: '/auth/login',
      healthz: '/healthz',
      authScope: '/auth',
      discovery: '/.well-known/portal-gateway',
    });
    expect(endpointPaths(portal)).toEqual(Object.values(ENDPOINT_PATHS).map((path) => `/.portal${path}`));
    expect(portal).toMatchObject({
      prefix: '/.portal',
      login: '/.portal/auth/login',
      adminTokens: '/.portal/admin/tokens',
      authScope: '/.portal/auth',
    });
  });

  it('lists all of the endpoints the gateway serves', () => {
    expect(endpointPaths(none).sort()).toEqual(
      [
        '/.well-known/portal-gateway',
        '/admin/relays',
        '/admin/tokens',
        '/auth/login',
        '/auth/logout',
        '/auth/logout-all',
        '/auth/me',
        '/auth/refresh',
        '/auth/sessions',
        '/auth/verify',
        '/.well-known/jwks.json',
        '/healthz',
        '/metrics',
        '/readyz',
      ].sort(),
    );
  });
});

describe('pathCovers', () => {
  it('matches whole segments', () => {
    expect(pathCovers('/admin', '/admin/tokens')).toBe(true);
    expect(pathCovers('/admin', '/admin')).toBe(true);
    expect(pathCovers('/', '/healthz')).toBe(true);
    expect(pathCovers('/adm', '/admin/tokens')).toBe(false);
    expect(pathCovers('/admin/tokens', '/admin')).toBe(false);
  });
});

describe('gatewayPrefixProblem', () => {
  it('accepts "" and plain paths', () => {
    for (const prefix of ['', '/.portal', '/gw', '/_gateway/v1', '/a~b-c'])
      expect(gatewayPrefixProblem(prefix), prefix).toBeUndefined();
  });

  it('refuses what cannot be a path prefix', () => {
    for (const prefix of [
      '.portal',
      '/',
      '/.portal/',
      '/a?b',
      '/a#b',
      '/a b',
      '/a//b',
      '/a;b',
      '/a,b',
      '/a%2Fb',
      '/*',
      '/:id',
      'https://x/y',
      `/${'a'.repeat(200)}`,
    ]) {
      expect(gatewayPrefixProblem(prefix), prefix).toMatch(/^must be "" or a path such as "\/\.portal"/);
    }
    expect(gatewayPrefixProblem('/..')).toBe('must not contain "." or ".." segments');
    expect(gatewayPrefixProblem('/a/./b')).toBe('must not contain "." or ".." segments');
  });
});

describe('routePrefixProblem', () => {
  it('refuses a route on an endpoint or under one', () => {
    expect(routePrefixProblem('/healthz', none)).toBe(
      '"/healthz" is the gateway\'s own endpoint /healthz; choose another prefix, or move the gateway\'s endpoints with gatewayPrefix (e.g. "/.portal")',
    );
    expect(routePrefixProblem('/auth/login/extra', none)).toMatch(
      /^"\/auth\/login\/extra" is under the gateway's own endpoint \/auth\/login; /,
    );
    expect(routePrefixProblem('/.portal/admin/tokens', portal)).toBe(
      '"/.portal/admin/tokens" is the gateway\'s own endpoint /.portal/admin/tokens; choose another prefix',
    );
  });

  it('lets a route have the path an endpoint leaves once it moves under a prefix', () => {
    for (const prefix of [
      '/healthz',
      '/auth/login',
      '/admin/tokens',
      '/.well-known/portal-gateway',
      '/',
      '/admin',
      '/auth',
      '/healthzz',
      '/auth/log',
    ]) {
      expect(routePrefixProblem(prefix, portal), prefix).toBeUndefined();
    }
    expect(routePrefixProblem('/admin', none)).toBeUndefined();
  });
});

describe('shadowedEndpointsWarning', () => {
  it('says nothing when no route contains an endpoint', () => {
    expect(
      shadowedEndpointsWarning([{ prefix: '/api' }, { prefix: '/app' }, { prefix: '/auth-app' }], none),
    ).toBeUndefined();
  });

  it('names the shadowed paths of each route in one warning, and gatewayPrefix as the way out', () => {
    const warning = shadowedEndpointsWarning([{ prefix: '/api' }, { prefix: '/admin' }, { prefix: '/auth' }], none)!;
    expect(warning.split('\n')).toHaveLength(1);
    expect(warning).toBe(
      "warning: the gateway answers these paths itself, so these routes' upstreams never see them: " +
        'routes[1] ("/admin"): /admin/tokens, /admin/relays; ' +
        'routes[2] ("/auth"): /auth/login, /auth/refresh, /auth/logout, /auth/logout-all, /auth/me, /auth/sessions, /auth/verify. ' +
        'To free them, set gatewayPrefix (e.g. "/.portal") to move the gateway\'s endpoints out of the way.',
    );
    expect(shadowedEndpointsWarning([{ prefix: '/' }], none)).toContain(
      `routes[0] ("/"): ${endpointPaths(none).join(', ')}.`,
    );
  });

  it('does not warn about a route that covers the whole gatewayPrefix: that is what the prefix is for', () => {
    expect(shadowedEndpointsWarning([{ prefix: '/' }, { prefix: '/admin' }], portal)).toBeUndefined();
  });

  it('warns about routes inside the gatewayPrefix', () => {
    const warning = shadowedEndpointsWarning([{ prefix: '/.portal/admin' }, { prefix: '/.portal' }], portal)!;
    expect(warning).toContain(
      'routes[0] ("/.portal/admin"): /.portal/admin/tokens, /.portal/admin/relays; routes[1] ("/.portal"): /.portal/auth/login,',
    );
    expect(warning).toMatch(/keep routes out of gatewayPrefix "\/\.portal", or choose another gatewayPrefix\.$/);
  });
});

describe('discoveryPaths', () => {
  it('serves the document at the root as well once it moved, unless a route covers the root path', () => {
    expect(discoveryPaths(none, [{ prefix: '/' }])).toEqual(['/.well-known/portal-gateway']);
    expect(discoveryPaths(portal, [{ prefix: '/api' }])).toEqual([
      '/.portal/.well-known/portal-gateway',
      '/.well-known/portal-gateway',
    ]);
    for (const prefix of ['/', '/.well-known', '/.well-known/portal-gateway']) {
      expect(discoveryPaths(portal, [{ prefix: '/api' }, { prefix }]), prefix).toEqual([
        '/.portal/.well-known/portal-gateway',
      ]);
    }
  });
});
