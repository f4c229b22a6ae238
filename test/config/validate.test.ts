import { describe, expect, it } from 'vitest';
import { availableParallelism } from 'node:os';
import { loadConfig } from '../../src/config/load.js';
import { validateConfig } from '../../src/config/validate.js';
import { ConfigInvalid } from '../../src/errors.js';
import { generateKeyPair } from '../../src/index.js';

function problemsOf(raw: unknown): string[] {
  try {
    validateConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigInvalid);
    return [...(error as ConfigInvalid).problems];
  }
  throw new Error('expected the configuration to be rejected');
}

const upstream = 'http://127.0.0.1:3000';

describe('validateConfig', () => {
  it('fills in documented defaults', () => {
    const config = validateConfig({ routes: [{ prefix: '/api/', upstream: upstream + '/', auth: 'required' }] });
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(config.routes[0]).toMatchObject({
      prefix: '/api',
      upstream,
      auth: 'required',
      rewritePrefix: '/api',
      timeoutMs: 30000,
      websocket: false,
      passToken: false,
    });
    expect(config.tokens).toEqual({
      accessTtlSec: 900,
      refreshTtlSec: 604800,
      clockToleranceSec: 60,
      verifyCacheSize: 10000,
      verifyThreads: Math.max(0, Math.min(4, availableParallelism() - 1)),
    });
    expect(config.cookie).toMatchObject({ name: 'portal_session', secure: true, sameSite: 'lax' });
    expect(config.limits).toEqual({ maxBodyBytes: 104857600, headersTimeoutMs: 10000, keepAliveTimeoutMs: 5000 });
    expect(config.log).toEqual({ level: 'info', format: 'json', probes: false });
    expect(config.metrics).toEqual({});
  });

  it('takes the connection time limits and names a bad one', () => {
    expect(
      validateConfig({ limits: { headersTimeoutMs: 2500, keepAliveTimeoutMs: 65000 }, routes: [] }).limits,
    ).toMatchObject({
      headersTimeoutMs: 2500,
      keepAliveTimeoutMs: 65000,
    });
    expect(problemsOf({ limits: { headersTimeoutMs: 0, keepAliveTimeoutMs: '5s' }, routes: [] })).toEqual([
      'limits.headersTimeoutMs: must be an integer from 100 to 600000',
      'limits.keepAliveTimeoutMs: must be an integer from 2000 to 600000',
    ]);
  });

  it('reads log.level, with logLevel as its older alias that log.level overrides', () => {
    const routes = [{ prefix: '/api', upstream, auth: 'required' }];
    expect(validateConfig({ routes, logLevel: 'warn' }).log.level).toBe('warn');
    expect(validateConfig({ routes, logLevel: 'warn', log: { level: 'debug' } }).log.level).toBe('debug');
    expect(validateConfig({ routes, log: { format: 'pretty', probes: true } }).log).toEqual({
      level: 'info',
      format: 'pretty',
      probes: true,
    });
    expect(problemsOf({ routes, log: { level: 'loud', format: 'xml', probes: 'yes' } })).toEqual([
      'log.level: must be one of fatal, error, warn, info, debug, trace, silent',
      'log.format: must be one of json, pretty',
      'log.probes: must be true or false',
    ]);
  });

  it('reads metrics.listen: its host defaults to the main one, its port is required and not the main one', () => {
    const routes = [{ prefix: '/api', upstream, auth: 'required' }];
    const listen = { host: '0.0.0.0', port: 8080 };
    expect(validateConfig({ routes, listen, metrics: { listen: { port: 9464 } } }).metrics).toEqual({
      listen: { host: '0.0.0.0', port: 9464 },
    });
    expect(validateConfig({ routes, listen, metrics: { listen: { host: '127.0.0.1', port: 0 } } }).metrics).toEqual({
      listen: { host: '127.0.0.1', port: 0 },
    });
    expect(problemsOf({ routes, listen, metrics: { listen: {} } })).toEqual([
      'metrics.listen.port: is required (the port that serves /metrics)',
    ]);
    expect(problemsOf({ routes, listen, metrics: { listen: { port: 8080 } } })).toEqual([
      'metrics.listen.port: must differ from listen.port',
    ]);
    expect(problemsOf({ routes, metrics: { listen: { port: 'x' }, path: '/m' } })).toEqual([
      'metrics.path: unknown key (expected one of listen)',
      'metrics.listen.port: must be an integer from 0 to 65535',
    ]);
  });

  it('normalises trusted issuers given as npub or upper-case hex', () => {
    const a = generateKeyPair();
    const b = generateKeyPair();
    const config = validateConfig({ trustedIssuers: [a.npub, b.publicKey.toUpperCase()], routes: [] });
    expect(config.trustedIssuers).toEqual([a.publicKey, b.publicKey]);
  });

  it('normalises wallet users given as npub or upper-case hex, and names a bad one by index', () => {
    const a = generateKeyPair();
    const b = generateKeyPair();
    expect(validateConfig({ routes: [] }).walletUsers).toEqual([]);
    expect(validateConfig({ walletUsers: [a.npub, b.publicKey.toUpperCase()], routes: [] }).walletUsers).toEqual([
      a.publicKey,
      b.publicKey,
    ]);
    expect(problemsOf({ walletUsers: [a.npub, 'npub1nope'], routes: [] })).toEqual([
      'walletUsers[1]: is not a valid npub (bad bech32 checksum or length)',
    ]);
    expect(problemsOf({ walletUsers: a.npub, routes: [] })).toEqual([
      'walletUsers: must be an array of non-empty strings',
    ]);
  });

  it('reports every problem at once, naming the key and the expected type', () => {
    const problems = problemsOf({
      listen: { port: 'eighty' },
      serviceKey: 'nsec1notakey',
      trustedIssuers: ['zz'],
      routes: [
        { prefix: 'api', upstream: 'ftp://x', auth: 'sometimes' },
        { upstream },
        { prefix: '/a', upstream, auth: 'public', permissions: ['admin'] },
        { prefix: '/a', upstream, auth: 'public', colour: 'blue' },
      ],
      cookie: { name: 'bad name', sameSite: 'none', secure: false },
      tokens: { accessTtlSec: -5, verifyThreads: 1.5 },
      logLevel: 'loud',
      extra: true,
    });
    const expected = [
      'listen.port: must be an integer from 0 to 65535',
      'serviceKey: is not a valid nsec (bad bech32 checksum or length)',
      'trustedIssuers[0]: must be 64 hex characters or an npub1… string',
      'routes[0].prefix: must be a path starting with /',
      'routes[0].upstream: must be an http:// or https:// URL',
      'routes[0].auth: must be one of public, optional, required',
      'routes[1].prefix: is required',
      'routes[2].permissions: only apply to routes with "auth": "required"',
      'routes[3].colour: unknown key',
      'routes[3].prefix: "/a" is already used by routes[2]',
      'cookie.name: must be a valid cookie name',
      'cookie.sameSite: "none" requires "secure": true',
      'tokens.accessTtlSec: must be an integer from 10',
      'tokens.verifyThreads: must be an integer from 0 to 64',
      'logLevel: must be one of fatal, error, warn, info, debug, trace, silent',
      'extra: unknown key',
    ];
    for (const fragment of expected)
      expect(
        problems.some((p) => p.includes(fragment)),
        fragment,
      ).toBe(true);
    expect(problems.join('\n')).not.toContain('nsec1notakey');
  });

  it('keeps an upstream base path, normalised, and refuses what the proxy could not forward, naming the key', () => {
    const route = (fields: Record<string, unknown>) => ({ prefix: '/api', upstream, auth: 'public', ...fields });
    expect(validateConfig({ routes: [route({ upstream: 'HTTP://127.0.0.1:3000/base//' })] }).routes[0]!.upstream).toBe(
      'http://127.0.0.1:3000/base',
    );
    const cases: [Record<string, unknown>, string][] = [
      [{ upstream: 'http://user:secret@127.0.0.1:3000' }, 'routes[0].upstream: must not contain credentials'],
      [{ upstream: 'http://127.0.0.1:3000/base?' }, 'routes[0].upstream: must not contain a query or fragment'],
      [{ upstream: 'http://127.0.0.1:3000/#' }, 'routes[0].upstream: must not contain a query or fragment'],
      [{ upstream: 'http://127.0.0.1:3000//base' }, 'routes[0].upstream: has a path the proxy cannot forward to'],
      [{ upstream: 'http://127.0.0.1:3000/%zz' }, 'routes[0].upstream: has a path the proxy cannot forward to'],
      [{ rewritePrefix: 'v2' }, 'routes[0].rewritePrefix: must be a path starting with /'],
      [{ rewritePrefix: '//evil.example' }, 'routes[0].rewritePrefix: must not contain empty, "." or ".." segments'],
      [{ rewritePrefix: '/a/../b' }, 'routes[0].rewritePrefix: must not contain empty, "." or ".." segments'],
      [{ rewritePrefix: '/v2?x=1' }, 'routes[0].rewritePrefix: must be a path starting with /'],
      [{ rewritePrefix: '/:id' }, 'routes[0].rewritePrefix: must be a path starting with /'],
      [{ rewritePrefix: '/a%20b' }, 'routes[0].rewritePrefix: must be a path starting with /'],
      [{ prefix: '//' }, 'routes[0].prefix: must not contain empty, "." or ".." segments'],
      [{ prefix: '/a/./b' }, 'routes[0].prefix: must not contain empty, "." or ".." segments'],
      [{ prefix: '/a\\b' }, 'routes[0].prefix: must be a path starting with /'],
      [{ prefix: '/a%20b' }, 'routes[0].prefix: must be a path starting with /'],
    ];
    for (const [fields, expected] of cases) {
      const problems = problemsOf({ routes: [route(fields)] });
      expect(problems, JSON.stringify(fields)).toHaveLength(1);
      expect(problems[0], JSON.stringify(fields)).toContain(expected);
      expect(problems[0]).not.toContain('secret');
    }
    for (const rewritePrefix of ['/', '/v2', '/v2/', '/é'])
      expect(validateConfig({ routes: [route({ rewritePrefix })] }).routes[0]!.rewritePrefix).toBe(rewritePrefix);
  });

  it('accepts only a host name as cookie.domain (it is written into Set-Cookie as is)', () => {
    expect(validateConfig({ routes: [], cookie: { domain: '.example.com' } }).cookie.domain).toBe('.example.com');
    expect(problemsOf({ routes: [], cookie: { domain: 'example.com; HttpOnly=false' } })).toEqual([
      'cookie.domain: must be a host name such as example.com',
    ]);
  });

  it('takes listen.tls with both files, and no TLS without it', () => {
    const tls = { certFile: '/tls/cert.pem', keyFile: '/tls/key.pem' };
    expect(validateConfig({ listen: { tls }, routes: [] }).listen.tls).toEqual(tls);
    expect(validateConfig({ routes: [] }).listen.tls).toBeUndefined();
    expect(problemsOf({ listen: { tls: { certFile: '' } }, routes: [] })).toEqual([
      'listen.tls.certFile: must be a non-empty string',
      'listen.tls.keyFile: is required (a PEM file)',
    ]);
    expect(problemsOf({ listen: { tls: 'on' }, routes: [] })).toEqual([
      'listen.tls: must be an object',
      'listen.tls.certFile: is required (a PEM file)',
      'listen.tls.keyFile: is required (a PEM file)',
    ]);
  });

  it('rejects a document that is not an object', () => {
    expect(problemsOf([])).toEqual(['(root): must be a JSON object']);
    expect(problemsOf({})).toEqual(['routes: is required (an array of routes)']);
  });
});

describe('environment overrides', () => {
  it('takes the service key and listen address from the environment', () => {
    const key = generateKeyPair();
    const config = loadConfig(
      { routes: [] },
      { PORTAL_SERVICE_KEY: key.nsec, PORTAL_GATEWAY_PORT: '9999', PORTAL_GATEWAY_HOST: '0.0.0.0' },
    );
    expect(config.serviceKey).toBe(key.nsec);
    expect(config.listen).toEqual({ host: '0.0.0.0', port: 9999 });
  });

  it('names the variable when a port is not a number', () => {
    expect(() => loadConfig({ routes: [] }, { PORTAL_GATEWAY_PORT: 'x' })).toThrow(
      /PORTAL_GATEWAY_PORT: must be an integer/,
    );
  });

  it('reads the service key from a file named by PORTAL_SERVICE_KEY_FILE', () => {
    expect(() => loadConfig({ routes: [] }, { PORTAL_SERVICE_KEY_FILE: '/nonexistent/key' })).toThrow(
      /PORTAL_SERVICE_KEY_FILE: the file cannot be read \(ENOENT\)/,
    );
  });
});

describe('forward-auth and assertion settings', () => {
  it('fills in the documented defaults', () => {
    const config = validateConfig({ routes: [{ prefix: '/api', upstream }] });
    expect(config.forwardAuth).toEqual({
      uriHeader: 'X-Forwarded-Uri',
      methodHeader: 'X-Forwarded-Method',
      defaultPolicy: { auth: 'required', permissions: [], loginRedirect: false },
      policies: {},
      cacheSec: 0,
    });
    expect(config.assertion).toEqual({ enabled: true, alg: 'ES256', ttlSec: 60 });
    expect(config.publicUrl).toBeUndefined();
    expect(config.routes[0]!.assertion).toEqual({});
  });

  it('accepts a route without an upstream (forward-auth only), named policies, publicUrl and a route audience', () => {
    const config = validateConfig({
      publicUrl: 'https://auth.example.com/',
      routes: [
        { prefix: '/app', auth: 'required', loginRedirect: true, assertion: { audience: 'https://app.example.com' } },
      ],
      forwardAuth: {
        policies: { 'admin-pages': { permissions: ['admin'], loginRedirect: true } },
        defaultPolicy: { auth: 'optional' },
        cacheSec: 30,
      },
      assertion: { alg: 'ES256K', ttlSec: 120, enabled: false },
    });
    expect(config.publicUrl).toBe('https://auth.example.com');
    expect(config.routes[0]).toMatchObject({ prefix: '/app', assertion: { audience: 'https://app.example.com' } });
    expect(config.routes[0]!.upstream).toBeUndefined();
    expect(config.forwardAuth.policies['admin-pages']).toEqual({
      auth: 'required',
      permissions: ['admin'],
      loginRedirect: true,
    });
    expect(config.forwardAuth.defaultPolicy.auth).toBe('optional');
    expect(config.assertion).toEqual({ enabled: false, alg: 'ES256K', ttlSec: 120 });
  });

  it('names each bad key', () => {
    const problems = problemsOf({
      publicUrl: 'ftp://x',
      routes: [{ prefix: '/a', upstream: 'nope', assertion: { audience: 3, extra: 1 } }],
      forwardAuth: {
        uriHeader: 'bad header',
        policies: { 'bad name!': {}, ok: { auth: 'public', permissions: ['x'] }, worse: 'required' },
        defaultPolicy: { auth: 'maybe' },
        cacheSec: -1,
        other: 1,
      },
      assertion: { alg: 'RS256', ttlSec: 5, enabled: 'yes', keyFile: '' },
    });
    const expected = [
      'publicUrl: must be an http:// or https:// URL',
      'routes[0].upstream: must be an absolute http:// or https:// URL',
      'routes[0].assertion.audience: must be a non-empty string',
      'routes[0].assertion.extra: unknown key',
      'forwardAuth.uriHeader: must be an HTTP header name',
      'forwardAuth.policies.<name>: policy names are letters, digits, - and _',
      'forwardAuth.policies.ok.permissions: only apply to policies with "auth": "required"',
      'forwardAuth.policies.worse: must be an object',
      'forwardAuth.defaultPolicy.auth: must be one of public, optional, required',
      'forwardAuth.cacheSec: must be an integer from 0',
      'forwardAuth.other: unknown key',
      'assertion.alg: must be one of ES256, ES256K',
      'assertion.ttlSec: must be an integer from 10 to 3600',
      'assertion.enabled: must be true or false',
      'assertion.keyFile: must be a non-empty string',
    ];
    for (const fragment of expected)
      expect(
        problems.some((p) => p.includes(fragment)),
        `${fragment}\n${problems.join('\n')}`,
      ).toBe(true);
  });

  it('takes the assertion key file from PORTAL_ASSERTION_KEY_FILE', () => {
    const config = loadConfig(
      { routes: [], assertion: { ttlSec: 30 } },
      { PORTAL_ASSERTION_KEY_FILE: '/run/secrets/assertion.pem' },
    );
    expect(config.assertion).toMatchObject({ ttlSec: 30, keyFile: '/run/secrets/assertion.pem' });
  });
});
