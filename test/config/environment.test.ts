import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyEnvironment, configKeyPaths, variableName } from '../../src/config/environment.js';
import { configSource, loadConfig } from '../../src/config/load.js';
import { ConfigInvalid } from '../../src/errors.js';
import { generateKeyPair } from '../../src/index.js';

const upstream = 'http://127.0.0.1:3000';
const routesJson = JSON.stringify([{ prefix: '/api', upstream, auth: 'required' }]);
/** The environment of a container: routes from a variable, no config file, no relays file. */
const base = { PORTAL_ROUTES: routesJson, PORTAL_RELAYS: 'wss://relay.example' };
const load = (env: Record<string, string>, raw: unknown = {}) => loadConfig(raw, { ...base, ...env });

function problemsOf(env: Record<string, string>, raw: unknown = {}): string[] {
  try {
    load(env, raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigInvalid);
    return [...(error as ConfigInvalid).problems];
  }
  throw new Error('expected the configuration to be rejected');
}

function secretFile(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'pg-env-')), 'secret');
  writeFileSync(path, `${content}\n`);
  return path;
}

describe('variable names', () => {
  it('are PORTAL_ + the key path in upper snake case', () => {
    expect(variableName('store.url')).toBe('PORTAL_STORE_URL');
    expect(variableName('tokens.accessTtlSec')).toBe('PORTAL_TOKENS_ACCESS_TTL_SEC');
    expect(variableName('listen.port')).toBe('PORTAL_LISTEN_PORT');
    expect(variableName('serviceKey')).toBe('PORTAL_SERVICE_KEY');
    expect(variableName('limits.maxBodyBytes')).toBe('PORTAL_LIMITS_MAX_BODY_BYTES');
  });

  it('exist for every key the validator accepts, each one distinct, and each one is read', () => {
    const paths = configKeyPaths({ store: { kind: 'redis' } });
    for (const path of [
      'serviceName',
      'listen',
      'listen.host',
      'listen.port',
      'routes',
      'relays',
      'serviceKey',
      'admin.secret',
      'store.kind',
      'store.url',
      'store.keyPrefix',
      'store.path',
      'cookie.sameSite',
      'tokens.accessTtlSec',
      'rateLimit.windowSec',
    ]) {
      expect(paths).toContain(path);
    }
    const names = paths.map(variableName);
    expect(new Set(names).size).toBe(names.length);
    for (const path of paths) {
      expect(applyEnvironment({}, { [variableName(path)]: 'x' }).sources.get(path), path).toBe(variableName(path));
    }
  });
});

describe('values from the environment', () => {
  it('run the gateway with no config file at all (numbers, booleans, lists, JSON arrays and objects)', () => {
    const key = generateKeyPair();
    const config = load({
      PORTAL_LISTEN_HOST: '0.0.0.0',
      PORTAL_LISTEN_PORT: '9000',
      PORTAL_SERVICE_KEY: key.secretKey,
      PORTAL_TOKENS_ACCESS_TTL_SEC: '120',
      PORTAL_COOKIE_SECURE: 'false',
      PORTAL_TRUST_PROXY: 'true',
      PORTAL_CORS_ORIGINS: 'https://a.example, https://b.example',
      PORTAL_LOGIN_REQUEST_PERMISSIONS: '["read","write"]',
      PORTAL_SERVICE_NAME: 'Acme, Inc.',
      PORTAL_RATE_LIMIT: '{"max":5,"windowSec":10}',
    });
    expect(config.listen).toEqual({ host: '0.0.0.0', port: 9000 });
    expect(config.serviceKey).toBe(key.secretKey);
    expect(config.tokens.accessTtlSec).toBe(120);
    expect(config.cookie.secure).toBe(false);
    expect(config.trustProxy).toBe(true);
    expect(config.cors.origins).toEqual(['https://a.example', 'https://b.example']);
    expect(config.login.requestPermissions).toEqual(['read', 'write']);
    expect(config.serviceName).toBe('Acme, Inc.');
    expect(config.rateLimit).toEqual({ max: 5, windowSec: 10 });
    expect(config.routes).toMatchObject([{ prefix: '/api', upstream, auth: 'required' }]);
  });

  it('turn on TLS (PORTAL_LISTEN_TLS_CERT_FILE is listen.tls.certFile, not a file holding listen.tls.cert)', () => {
    expect(
      load({ PORTAL_LISTEN_TLS_CERT_FILE: '/tls/cert.pem', PORTAL_LISTEN_TLS_KEY_FILE: '/tls/key.pem' }).listen.tls,
    ).toEqual({ certFile: '/tls/cert.pem', keyFile: '/tls/key.pem' });
    expect(problemsOf({ PORTAL_LISTEN_TLS_CERT_FILE: '/tls/cert.pem' })).toEqual([
      'listen.tls.keyFile: is required (a PEM file)',
    ]);
  });

  it('take relays comma-separated or as JSON', () => {
    expect(load({ PORTAL_RELAYS: 'wss://a.example,wss://b.example' }).relays).toEqual([
      'wss://a.example',
      'wss://b.example',
    ]);
    expect(load({ PORTAL_RELAYS: '["wss://c.example"]' }).relays).toEqual(['wss://c.example']);
    expect(load({ PORTAL_RELAYS: 'wss://d.example' }).relays).toEqual(['wss://d.example']);
  });

  it('select the redis store by kind, with its URL', () => {
    const config = load({
      PORTAL_STORE_KIND: 'redis',
      PORTAL_STORE_URL: 'redis://:pw@redis.internal:6379/0',
      PORTAL_STORE_KEY_PREFIX: 'gw:',
    });
    expect(config.store).toEqual({ kind: 'redis', url: 'redis://:pw@redis.internal:6379/0', keyPrefix: 'gw:' });
    expect(load({ PORTAL_STORE: '{"kind":"memory"}' }).store).toEqual({ kind: 'memory' });
  });

  it('beat the config file, a key variable beats its object variable, and the file is left unchanged', () => {
    const file = {
      listen: { host: '127.0.0.2', port: 1 },
      tokens: { accessTtlSec: 60 },
      routes: [{ prefix: '/old', upstream }],
    };
    const copy = structuredClone(file);
    const config = load({ PORTAL_LISTEN: '{"host":"127.0.0.3","port":2}', PORTAL_LISTEN_PORT: '3' }, file);
    expect(config.listen).toEqual({ host: '127.0.0.3', port: 3 });
    expect(config.tokens.accessTtlSec).toBe(60);
    expect(config.routes.map((r) => r.prefix)).toEqual(['/api']);
    expect(file).toEqual(copy);
  });

  it('read secrets from files (…_FILE), the variable itself winning', () => {
    const key = generateKeyPair();
    const config = load({
      PORTAL_SERVICE_KEY_FILE: secretFile(key.nsec),
      PORTAL_ADMIN_SECRET_FILE: secretFile('an admin secret of some length'),
      PORTAL_STORE_KIND: 'redis',
      PORTAL_STORE_URL_FILE: secretFile('redis://:secret@127.0.0.1:6379'),
    });
    expect(config.serviceKey).toBe(key.nsec);
    expect(config.admin.secret).toBe('an admin secret of some length');
    expect(config.store).toEqual({ kind: 'redis', url: 'redis://:secret@127.0.0.1:6379' });
    expect(
      load({
        PORTAL_ADMIN_SECRET: 'from the variable itself',
        PORTAL_ADMIN_SECRET_FILE: secretFile('from the file, losing'),
      }).admin.secret,
    ).toBe('from the variable itself');
  });

  it('keep the old names as aliases, the new name winning', () => {
    expect(load({ PORTAL_GATEWAY_HOST: '0.0.0.0', PORTAL_GATEWAY_PORT: '7000' }).listen).toEqual({
      host: '0.0.0.0',
      port: 7000,
    });
    expect(load({ PORTAL_GATEWAY_PORT: '7000', PORTAL_LISTEN_PORT: '7001' }).listen.port).toBe(7001);
    expect(load({ PORTAL_DATA_DIR: '/data', PORTAL_LOG_LEVEL: 'warn' })).toMatchObject({
      dataDir: '/data',
      log: { level: 'warn' },
    });
  });

  it('treat empty variables as unset', () => {
    expect(load({ PORTAL_LISTEN_PORT: '', PORTAL_COOKIE_DOMAIN: '' }, { listen: { port: 1234 } }).listen.port).toBe(
      1234,
    );
  });
});

describe('a bad value', () => {
  it('names the variable it came from', () => {
    expect(problemsOf({ PORTAL_LISTEN_PORT: 'eighty' })).toEqual([
      'PORTAL_LISTEN_PORT: must be an integer from 0 to 65535',
    ]);
    expect(problemsOf({ PORTAL_GATEWAY_PORT: '70000' })).toEqual([
      'PORTAL_GATEWAY_PORT: must be an integer from 0 to 65535',
    ]);
    expect(problemsOf({ PORTAL_COOKIE_SECURE: 'yes' })).toEqual(['PORTAL_COOKIE_SECURE: must be true or false']);
    expect(problemsOf({ PORTAL_RELAYS: 'wss://ok.example,http://bad.example' })).toEqual([
      'PORTAL_RELAYS: relays[1]: must be a ws:// or wss:// URL',
    ]);
    expect(problemsOf({ PORTAL_ROUTES: '[{"prefix":"/api","upstream":"ftp://x","auth":"sometimes"}]' })).toEqual([
      'PORTAL_ROUTES: routes[0].upstream: must be an http:// or https:// URL',
      'PORTAL_ROUTES: routes[0].auth: must be one of public, optional, required',
    ]);
    expect(problemsOf({ PORTAL_LISTEN: '{"port":1,"hots":"x"}' })).toEqual([
      expect.stringMatching(/^PORTAL_LISTEN: listen\.hots: unknown key/),
    ]);
  });

  it('says when JSON is broken, without quoting the value', () => {
    const problems = problemsOf({ PORTAL_ROUTES: '[{"prefix": secret-looking-text' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^PORTAL_ROUTES: is not valid JSON/);
    expect(problems[0]).not.toContain('secret-looking-text');
  });

  it('names the file variable, never the secret', () => {
    expect(problemsOf({ PORTAL_ADMIN_SECRET_FILE: secretFile('short') })).toEqual([
      'PORTAL_ADMIN_SECRET_FILE: must be at least 16 characters',
    ]);
    expect(problemsOf({ PORTAL_SERVICE_KEY_FILE: '/nonexistent/key' })).toEqual([
      'PORTAL_SERVICE_KEY_FILE: the file cannot be read (ENOENT)',
    ]);
    expect(problemsOf({ PORTAL_SERVICE_KEY: 'nsec1notakey' }).join('\n')).not.toContain('nsec1notakey');
  });

  it('from the file keeps naming the key', () => {
    expect(problemsOf({}, { listen: { port: -1 } })).toEqual(['listen.port: must be an integer from 0 to 65535']);
  });
});

describe('where the configuration comes from', () => {
  it('is --config, else PORTAL_CONFIG, else the environment when it names routes, else the embedded demo', () => {
    expect(configSource('a.json', { PORTAL_CONFIG: 'b.json' })).toEqual({ file: 'a.json' });
    expect(configSource(undefined, { PORTAL_CONFIG: 'b.json', PORTAL_ROUTES: '[]' })).toEqual({ file: 'b.json' });
    expect(configSource(undefined, { PORTAL_ROUTES: '[]' })).toBe('environment');
    expect(configSource(undefined, { PORTAL_ROUTES_FILE: '/run/secrets/routes' })).toBe('environment');
    expect(configSource(undefined, { PORTAL_LISTEN_PORT: '80', PORTAL_CONFIG: '' })).toBe('embedded');
  });
});
