/**
 * Configuration validation: runs once at start-up, reports every problem at once, and names each bad
 * key with the expected type (e.g. `routes[1].auth: must be one of public, optional, required`).
 */
import { ConfigInvalid } from '../errors.js';
import { gatewayPaths, gatewayPrefixProblem, routePrefixProblem } from '../gateway-endpoints.js';
import { normalizePublicKey, parseSecretKey } from '../keys/nostr-keys.js';
import { join } from 'node:path';
import { closestName } from './closest-name.js';
import { DEFAULT_CONFIG, DEFAULT_ROUTE_TIMEOUT_MS, DEFAULT_STORE_FILE } from './defaults.js';
import { relayUrlProblem } from './relays.js';
import type {
  AssertionConfig,
  AuthPolicy,
  ForwardAuthConfig,
  GatewayConfig,
  MetricsConfig,
  PolicyConfig,
  RouteConfig,
  StoreConfig,
  TlsConfig,
} from './types.js';

type Json = Record<string, unknown>;

const AUTH_POLICIES: readonly AuthPolicy[] = ['public', 'optional', 'required'];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const LOG_FORMATS = ['json', 'pretty'] as const;

/** Older spellings of a key, still read: they have no variable of their own (the new key's serves). */
export const KEY_ALIASES: Readonly<Record<string, string>> = { logLevel: 'log.level' };
const SAME_SITE = ['lax', 'strict', 'none'] as const;
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Set while configKeys() runs: each object the validator reads reports the keys it accepts. */
let onObjectRead: ((path: string, known: readonly string[]) => void) | undefined;

/** Reads typed values out of one JSON object, collecting problems instead of throwing. */
class Reader {
  constructor(
    private readonly object: Json,
    private readonly path: string,
    private readonly problems: string[],
    private readonly known: readonly string[],
  ) {
    onObjectRead?.(path, known);
    for (const key of Object.keys(object)) {
      if (known.includes(key)) continue;
      const meant = closestName(key, known);
      problems.push(
        `${this.at(key)}: unknown key ${meant ? `(did you mean \`${meant}\`?)` : `(expected one of ${known.join(', ')})`}`,
      );
    }
  }

  at(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  problem(key: string, message: string): undefined {
    this.problems.push(`${this.at(key)}: ${message}`);
    return undefined;
  }

  has(key: string): boolean {
    return this.object[key] !== undefined;
  }

  string(key: string, fallback: string): string;
  string(key: string): string | undefined;
  string(key: string, fallback?: string): string | undefined {
    const value = this.object[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || value === '') return this.problem(key, 'must be a non-empty string') ?? fallback;
    return value;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const value = this.object[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || !allowed.includes(value as T)) {
      return this.problem(key, `must be one of ${allowed.join(', ')}`) ?? fallback;
    }
    return value as T;
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.object[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') return this.problem(key, 'must be true or false') ?? fallback;
    return value;
  }

  integer(key: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const value = this.object[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      return this.problem(key, `must be an integer from ${min} to ${max}`) ?? fallback;
    }
    return value;
  }

  stringArray(key: string): string[] {
    const value = this.object[key];
    if (value === undefined) return [];
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && item !== '')) {
      return this.problem(key, 'must be an array of non-empty strings') ?? [];
    }
    return value as string[];
  }

  /** An object whose keys are names the operator chooses: its entries, each checked by the caller. */
  entries(key: string): [string, unknown][] {
    const value = this.object[key];
    if (value === undefined) return [];
    if (!isObject(value)) return this.problem(key, 'must be an object') ?? [];
    return Object.entries(value);
  }

  object_(key: string, known: readonly string[]): Reader {
    const value = this.object[key];
    if (value !== undefined && !isObject(value)) this.problem(key, 'must be an object');
    return new Reader(isObject(value) ? value : {}, this.at(key), this.problems, known);
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * An upstream URL, normalised to `scheme://host[:port]` and its base path without trailing slashes. What
 * the proxy could not send on (credentials, a query, a path it would refuse) is a config error here rather
 * than a failure on every request.
 */
function httpUrl(reader: Reader, key: string, optional = false): string | undefined {
  const text = reader.string(key);
  if (text === undefined) {
    return reader.has(key) || optional ? undefined : reader.problem(key, 'is required (an http:// or https:// URL)');
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return reader.problem(key, 'must be an absolute http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return reader.problem(key, 'must be an http:// or https:// URL');
  if (/[?#]/.test(text)) return reader.problem(key, 'must not contain a query or fragment');
  if (url.username || url.password)
    return reader.problem(key, 'must not contain credentials (the gateway would not send them)');
  const base = url.pathname.replace(/\/+$/, '');
  if (base.includes('//') || !decodes(base))
    return reader.problem(key, 'has a path the proxy cannot forward to (empty segment or bad %-escape)');
  return url.origin + base;
}

function decodes(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Why a route path (`prefix`, `rewritePrefix`) cannot be used, or undefined. Such a path would match no
 * request, or make the proxy refuse every request it forwards.
 */
function routePathProblem(path: string): string | undefined {
  if (!path.startsWith('/') || /[?#*:%\\\s\x00-\x1f\x7f]/.test(path))
    return 'must be a path starting with / without ?, #, *, :, %, \\ or spaces';
  if (/\/\/|\/\.\.?(?:\/|$)/.test(path)) return 'must not contain empty, "." or ".." segments';
  return undefined;
}

/** Run a key parser whose errors start with `path`; record them as `path: problem`. */
function checkKey(problems: string[], path: string, parse: () => unknown): void {
  try {
    parse();
  } catch (error) {
    const message = (error as Error).message;
    problems.push(`${path}: ${message.startsWith(`${path} `) ? message.slice(path.length + 1) : message}`);
  }
}

/** A list of public keys (hex or npub), normalised to x-only hex; bad entries are reported by index. */
function publicKeyList(reader: Reader, key: string, problems: string[]): string[] {
  const keys: string[] = [];
  reader.stringArray(key).forEach((value, i) => {
    const path = `${reader.at(key)}[${i}]`;
    checkKey(problems, path, () => keys.push(normalizePublicKey(value, path)));
  });
  return keys;
}

/** `auth`, `permissions` and `loginRedirect`, as routes and forward-auth policies have them. */
function readPolicy(r: Reader, what: 'routes' | 'policies'): PolicyConfig {
  const permissions = r.stringArray('permissions');
  // Secure default: a policy without an explicit `auth` requires a token.
  const auth = r.oneOf('auth', AUTH_POLICIES, 'required');
  if (permissions.length > 0 && auth !== 'required')
    r.problem('permissions', `only apply to ${what} with "auth": "required"`);
  return { auth, permissions, loginRedirect: r.boolean('loginRedirect', false) };
}

function validateRoute(value: unknown, index: number, problems: string[]): RouteConfig | undefined {
  const path = `routes[${index}]`;
  if (!isObject(value)) {
    problems.push(`${path}: must be an object with prefix, upstream and auth`);
    return undefined;
  }
  const r = new Reader(value, path, problems, [
    'prefix',
    'upstream',
    'auth',
    'permissions',
    'rewritePrefix',
    'timeoutMs',
    'websocket',
    'passToken',
    'loginRedirect',
    'assertion',
  ]);
  let prefix = r.string('prefix');
  if (prefix === undefined && !r.has('prefix')) r.problem('prefix', 'is required (a path starting with /)');
  else if (prefix !== undefined && prefix !== '/') {
    const problem = routePathProblem(prefix);
    if (problem) prefix = r.problem('prefix', problem);
  }
  // Without an upstream the route is not proxied: it only gives forward-auth its policy.
  const upstream = httpUrl(r, 'upstream', true);
  const badUpstream = r.has('upstream') && upstream === undefined;
  const rewritePrefix = r.string('rewritePrefix');
  const rewriteProblem =
    rewritePrefix === undefined || rewritePrefix === '/' ? undefined : routePathProblem(rewritePrefix);
  if (rewriteProblem) r.problem('rewritePrefix', rewriteProblem);
  const assertion = r.object_('assertion', ['audience']);
  const audience = assertion.string('audience');
  const route: RouteConfig = {
    prefix: prefix === '/' ? '/' : (prefix ?? '/').replace(/\/+$/, ''),
    ...(upstream === undefined ? {} : { upstream }),
    ...readPolicy(r, 'routes'),
    rewritePrefix: '',
    timeoutMs: r.integer('timeoutMs', DEFAULT_ROUTE_TIMEOUT_MS, 1, 3_600_000),
    websocket: r.boolean('websocket', false),
    passToken: r.boolean('passToken', false),
    assertion: audience === undefined ? {} : { audience },
  };
  route.rewritePrefix = rewritePrefix ?? route.prefix;
  return prefix === undefined || badUpstream ? undefined : route;
}

const POLICY_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function validateForwardAuth(f: Reader, problems: string[]): ForwardAuthConfig {
  const d = DEFAULT_CONFIG.forwardAuth;
  const header = (key: string, fallback: string): string => {
    const name = f.string(key, fallback);
    return HEADER_NAME.test(name) ? name : (f.problem(key, 'must be an HTTP header name') ?? fallback);
  };
  const policyKeys = ['auth', 'permissions', 'loginRedirect'];
  // Absent, it reads as the documented default `{ "auth": "required" }`.
  const defaultPolicy = readPolicy(f.object_('defaultPolicy', policyKeys), 'policies');
  const policies: Record<string, PolicyConfig> = Object.create(null) as Record<string, PolicyConfig>;
  for (const [name, value] of f.entries('policies')) {
    const path = `${f.at('policies')}.${POLICY_NAME.test(name) ? name : '<name>'}`;
    if (!POLICY_NAME.test(name)) problems.push(`${path}: policy names are letters, digits, - and _ (at most 64)`);
    else if (!isObject(value)) problems.push(`${path}: must be an object with auth, permissions and loginRedirect`);
    else policies[name] = readPolicy(new Reader(value, path, problems, policyKeys), 'policies');
  }
  return {
    uriHeader: header('uriHeader', d.uriHeader),
    methodHeader: header('methodHeader', d.methodHeader),
    defaultPolicy,
    policies,
    cacheSec: f.integer('cacheSec', d.cacheSec, 0, 86_400),
  };
}

function validateAssertion(a: Reader): AssertionConfig {
  const d = DEFAULT_CONFIG.assertion;
  const keyFile = a.string('keyFile');
  return {
    enabled: a.boolean('enabled', d.enabled),
    alg: a.oneOf('alg', ['ES256', 'ES256K'] as const, d.alg),
    ttlSec: a.integer('ttlSec', d.ttlSec, 10, 3600),
    ...(keyFile === undefined ? {} : { keyFile }),
  };
}

/** Origins the sign-in page may redirect to: exactly `scheme://host[:port]`, nothing after it. */
function redirectOrigins(r: Reader): string[] {
  return r.stringArray('allowedRedirectOrigins').flatMap((text, i) => {
    let origin: string | undefined;
    try {
      const url = new URL(text);
      if (
        (url.protocol === 'http:' || url.protocol === 'https:') &&
        url.origin === text.replace(/\/$/, '').toLowerCase()
      )
        origin = url.origin;
    } catch {
      // reported below
    }
    if (origin === undefined)
      r.problem(
        `allowedRedirectOrigins[${i}]`,
        'must be an http(s) origin such as https://app.example.com (no path, query or credentials)',
      );
    return origin === undefined ? [] : [origin];
  });
}

function validateStore(r: Reader, dataDir: string): StoreConfig {
  const kind = r.oneOf('kind', ['sqlite', 'redis', 'memory'] as const, 'sqlite');
  if (kind === 'memory') return { kind };
  if (kind === 'sqlite') return { kind, path: r.string('path', join(dataDir, DEFAULT_STORE_FILE)) };
  const url = r.string('url');
  if (url === undefined) r.problem('url', 'is required for the redis store (redis://host:port/db)');
  else if (!/^rediss?:\/\//.test(url)) r.problem('url', 'must be a redis:// or rediss:// URL');
  const keyPrefix = r.string('keyPrefix');
  return { kind, url: url ?? '', ...(keyPrefix ? { keyPrefix } : {}) };
}

/** `listen.tls`: both files are required (whether they hold a usable pair is checked when they are read). */
function validateTls(r: Reader): TlsConfig {
  const file = (key: string) => r.string(key) ?? (r.has(key) ? '' : (r.problem(key, 'is required (a PEM file)') ?? ''));
  return { certFile: file('certFile'), keyFile: file('keyFile') };
}

/** `metrics.listen`: its own host (default: the main one) and a port that is not the main one. */
function validateMetrics(metrics: Reader, listen: Reader, mainHost: string, mainPort: number): MetricsConfig {
  if (!metrics.has('listen')) return {};
  const port = listen.integer('port', -1, 0, 65535);
  if (port === -1 && !listen.has('port')) listen.problem('port', 'is required (the port that serves /metrics)');
  else if (port !== 0 && port === mainPort) listen.problem('port', 'must differ from listen.port');
  return { listen: { host: listen.string('host', mainHost), port } };
}

/** Validate a parsed configuration document; throws ConfigInvalid listing every problem. */
export function validateConfig(raw: unknown): GatewayConfig {
  const problems: string[] = [];
  if (!isObject(raw)) throw new ConfigInvalid(['(root): must be a JSON object']);
  const root = new Reader(raw, '', problems, [
    '$schema',
    'listen',
    'serviceKey',
    'dataDir',
    'trustedIssuers',
    'walletUsers',
    'routes',
    'cookie',
    'cors',
    'tokens',
    'limits',
    'trustProxy',
    'logLevel',
    'relays',
    'store',
    'login',
    'admin',
    'rateLimit',
    'serviceName',
    'gatewayPrefix',
    'publicUrl',
    'forwardAuth',
    'assertion',
    'log',
    'metrics',
  ]);

  const listen = root.object_('listen', ['host', 'port', 'tls']);
  const tls = listen.object_('tls', ['certFile', 'keyFile']);
  const cookie = root.object_('cookie', ['name', 'secure', 'sameSite', 'domain']);
  const cors = root.object_('cors', ['origins', 'credentials']);
  const tokens = root.object_('tokens', [
    'accessTtlSec',
    'refreshTtlSec',
    'clockToleranceSec',
    'verifyCacheSize',
    'verifyThreads',
  ]);
  const limits = root.object_('limits', ['maxBodyBytes', 'headersTimeoutMs', 'keepAliveTimeoutMs']);
  const login = root.object_('login', ['timeoutSec', 'requestPermissions', 'allowedRedirectOrigins']);
  const storeReader = root.object_('store', ['kind', 'path', 'url', 'keyPrefix']);
  const admin = root.object_('admin', ['secret', 'pubkeys']);
  const rateLimit = root.object_('rateLimit', ['max', 'windowSec']);
  const forwardAuth = validateForwardAuth(
    root.object_('forwardAuth', ['uriHeader', 'methodHeader', 'defaultPolicy', 'policies', 'cacheSec']),
    problems,
  );
  const assertion = validateAssertion(root.object_('assertion', ['enabled', 'alg', 'ttlSec', 'keyFile']));
  const publicUrl = httpUrl(root, 'publicUrl', true);
  const log = root.object_('log', ['level', 'format', 'probes']);
  const metrics = root.object_('metrics', ['listen']);
  const metricsListen = metrics.object_('listen', ['host', 'port']);
  const adminSecret = admin.string('secret');
  if (adminSecret !== undefined && adminSecret.length < 16) admin.problem('secret', 'must be at least 16 characters');
  const adminPubkeys = publicKeyList(admin, 'pubkeys', problems);
  const d = DEFAULT_CONFIG;

  const serviceKey = root.string('serviceKey');
  if (serviceKey !== undefined) checkKey(problems, 'serviceKey', () => parseSecretKey(serviceKey, 'serviceKey'));

  const trustedIssuers = publicKeyList(root, 'trustedIssuers', problems);
  const walletUsers = publicKeyList(root, 'walletUsers', problems);

  let gatewayPrefix = d.gatewayPrefix;
  if (raw.gatewayPrefix !== undefined && typeof raw.gatewayPrefix !== 'string')
    root.problem('gatewayPrefix', 'must be a string such as "/.portal"');
  else if (typeof raw.gatewayPrefix === 'string') {
    const problem = gatewayPrefixProblem(raw.gatewayPrefix);
    if (problem) root.problem('gatewayPrefix', problem);
    else gatewayPrefix = raw.gatewayPrefix;
  }

  const routes: RouteConfig[] = [];
  const rawRoutes = raw.routes;
  if (rawRoutes === undefined) root.problem('routes', 'is required (an array of routes)');
  else if (!Array.isArray(rawRoutes)) root.problem('routes', 'must be an array of routes');
  else {
    const seen = new Map<string, number>();
    const paths = gatewayPaths(gatewayPrefix);
    rawRoutes.forEach((value, i) => {
      const route = validateRoute(value, i, problems);
      if (!route) return;
      const endpointProblem = routePrefixProblem(route.prefix, paths);
      if (endpointProblem) problems.push(`routes[${i}].prefix: ${endpointProblem}`);
      const earlier = seen.get(route.prefix);
      if (earlier !== undefined)
        problems.push(`routes[${i}].prefix: "${route.prefix}" is already used by routes[${earlier}]`);
      seen.set(route.prefix, i);
      routes.push(route);
    });
  }

  const cookieName = cookie.string('name', d.cookie.name);
  if (!COOKIE_NAME.test(cookieName)) cookie.problem('name', 'must be a valid cookie name (RFC 6265 token)');
  const sameSite = cookie.oneOf('sameSite', SAME_SITE, d.cookie.sameSite);
  const secure = cookie.boolean('secure', d.cookie.secure);
  if (sameSite === 'none' && !secure) cookie.problem('sameSite', '"none" requires "secure": true');

  const cookieDomain = cookie.string('domain');
  // Written into Set-Cookie as is: a host name only, so nothing can be added to the header.
  if (cookieDomain !== undefined && !/^\.?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*$/.test(cookieDomain))
    cookie.problem('domain', 'must be a host name such as example.com');
  const corsOrigins = cors.stringArray('origins');
  const corsCredentials = cors.boolean('credentials', d.cors.credentials);
  if (corsCredentials && corsOrigins.includes('*'))
    cors.problem('credentials', 'cannot be true when origins contains "*"');

  const relays = root.stringArray('relays');
  relays.forEach((url, i) => {
    const problem = relayUrlProblem(url);
    if (problem) problems.push(`relays[${i}]: ${problem}`);
  });

  const serviceName = root.string('serviceName', d.serviceName);
  if (serviceName.length > 100) root.problem('serviceName', 'must be at most 100 characters');

  const dataDir = root.string('dataDir', d.dataDir);
  const listenHost = listen.string('host', d.listen.host);
  const listenPort = listen.integer('port', d.listen.port, 0, 65535);
  const config: GatewayConfig = {
    serviceName,
    listen: {
      host: listenHost,
      port: listenPort,
      ...(listen.has('tls') ? { tls: validateTls(tls) } : {}),
    },
    gatewayPrefix,
    serviceKey,
    dataDir,
    ...(publicUrl === undefined ? {} : { publicUrl }),
    trustedIssuers,
    walletUsers,
    routes,
    cookie: { name: cookieName, secure, sameSite, domain: cookieDomain },
    cors: { origins: corsOrigins, credentials: corsCredentials },
    tokens: {
      accessTtlSec: tokens.integer('accessTtlSec', d.tokens.accessTtlSec, 10, 30 * 24 * 3600),
      refreshTtlSec: tokens.integer('refreshTtlSec', d.tokens.refreshTtlSec, 60, 400 * 24 * 3600),
      clockToleranceSec: tokens.integer('clockToleranceSec', d.tokens.clockToleranceSec, 0, 600),
      verifyCacheSize: tokens.integer('verifyCacheSize', d.tokens.verifyCacheSize, 0, 10_000_000),
      verifyThreads: tokens.integer('verifyThreads', d.tokens.verifyThreads, 0, 64),
    },
    limits: {
      maxBodyBytes: limits.integer('maxBodyBytes', d.limits.maxBodyBytes, 0),
      headersTimeoutMs: limits.integer('headersTimeoutMs', d.limits.headersTimeoutMs, 100, 600_000),
      keepAliveTimeoutMs: limits.integer('keepAliveTimeoutMs', d.limits.keepAliveTimeoutMs, 2_000, 600_000),
    },
    trustProxy: root.boolean('trustProxy', d.trustProxy),
    log: {
      // `logLevel` is the older name of `log.level`; the new one wins when both are set.
      level: log.oneOf('level', LOG_LEVELS, root.oneOf('logLevel', LOG_LEVELS, d.log.level)),
      format: log.oneOf('format', LOG_FORMATS, d.log.format),
      probes: log.boolean('probes', d.log.probes),
    },
    metrics: validateMetrics(metrics, metricsListen, listenHost, listenPort),
    relays: [...new Set(relays)],
    store: validateStore(storeReader, dataDir),
    login: {
      timeoutSec: login.integer('timeoutSec', d.login.timeoutSec, 10, 3600),
      requestPermissions: login.stringArray('requestPermissions'),
      allowedRedirectOrigins: redirectOrigins(login),
    },
    admin: { ...(adminSecret ? { secret: adminSecret } : {}), pubkeys: adminPubkeys },
    rateLimit: {
      max: rateLimit.integer('max', d.rateLimit.max, 1),
      windowSec: rateLimit.integer('windowSec', d.rateLimit.windowSec, 1, 86_400),
    },
    forwardAuth,
    assertion,
  };
  if (problems.length > 0) throw new ConfigInvalid(problems);
  return config;
}

/**
 * The keys the validator accepts, by the path of the object holding them ('' is the root), for every
 * object it reads while validating `raw` (array items left out). The validator is the schema: a key
 * added to it appears here with no other change.
 */
export function configKeys(raw: Record<string, unknown>): Map<string, readonly string[]> {
  const keys = new Map<string, readonly string[]>();
  onObjectRead = (path, known) => {
    if (!path.includes('[')) keys.set(path, known);
  };
  try {
    validateConfig(raw);
  } catch (error) {
    if (!(error instanceof ConfigInvalid)) throw error;
  } finally {
    onObjectRead = undefined;
  }
  return keys;
}
