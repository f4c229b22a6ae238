/**
 * Debian's nginx or Caddy in front of an app, running the project's example configuration
 * (examples/nginx/nginx.conf, examples/caddy/Caddyfile) with only its ports and paths changed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopChild } from './child-process.js';
import { findCaddy } from './caddy.js';
import { closedPort } from './echo-upstream.js';
import { isExecutable } from './redis-binary.js';

export type FrontProxyKind = 'nginx' | 'caddy';

export interface FrontProxy {
  readonly url: string;
  /** What the proxy wrote to stdout and stderr. */
  output(): string;
  stop(): Promise<void>;
}

export interface FrontProxyPorts {
  /** Where the proxy listens. */
  port: number;
  gatewayPort: number;
  appPort: number;
}

/** The proxy's binary (Caddy: as the deploy/ tests find it), or undefined. */
export function proxyBinary(kind: FrontProxyKind, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (kind === 'caddy') return findCaddy(env);
  return (env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, kind))
    .find(isExecutable);
}

/** As with Redis: skipped (with one line saying so) without the binary, except under CI=true, where they fail. */
export function proxyTestsSkipped(kind: FrontProxyKind, env: NodeJS.ProcessEnv = process.env): boolean {
  const skipped = proxyBinary(kind, env) === undefined && env.CI !== 'true';
  if (skipped)
    console.warn(
      `${kind} example tests skipped: no ${kind} on the PATH (apt-get install ${kind}); with CI=true a missing ${kind} fails the run.`,
    );
  return skipped;
}

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const START_TIMEOUT_MS = 20_000;

export function exampleFile(kind: FrontProxyKind, name: string): string {
  return join(EXAMPLES, kind, name);
}

/** Replaces each `from` that must be in `text`; a missing one means the example changed under the test. */
function template(text: string, replacements: [string, string][]): string {
  for (const [from, to] of replacements) {
    if (!text.includes(from)) throw new Error(`example config has no "${from}"`);
    text = text.split(from).join(to);
  }
  return text;
}

function nginxConfig(dir: string, ports: FrontProxyPorts): string {
  return template(readFileSync(exampleFile('nginx', 'nginx.conf'), 'utf8'), [
    ['listen 127.0.0.1:8000;', `listen 127.0.0.1:${ports.port};`],
    ['server 127.0.0.1:8080;', `server 127.0.0.1:${ports.gatewayPort};`],
    ['server 127.0.0.1:3000;', `server 127.0.0.1:${ports.appPort};`],
    ['/run/nginx-portal.pid', join(dir, 'nginx.pid')],
    ['/var/log/nginx/', `${dir}/`],
    ['/var/lib/nginx/', `${dir}/`],
  ]);
}

function caddyConfig(ports: FrontProxyPorts, adminPort: number): string {
  return template(readFileSync(exampleFile('caddy', 'Caddyfile'), 'utf8'), [
    ['admin 127.0.0.1:2019', `admin 127.0.0.1:${adminPort}`],
    ['\n:8000 {', `\n:${ports.port} {`],
    ['127.0.0.1:8080', `127.0.0.1:${ports.gatewayPort}`],
    ['127.0.0.1:3000', `127.0.0.1:${ports.appPort}`],
  ]);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true)).once('error', () => done(false));
    socket.setTimeout(1000, () => done(false));
  });
}

export async function startFrontProxy(kind: FrontProxyKind, ports: FrontProxyPorts): Promise<FrontProxy> {
  const dir = mkdtempSync(join(tmpdir(), `portal-${kind}-`));
  // nginx's workers drop root privileges: they must be able to reach their temporary directories.
  chmodSync(dir, 0o755);
  const bin = proxyBinary(kind);
  if (!bin) throw new Error(`${kind} is missing: apt-get install ${kind}`);
  let child: ChildProcess;
  if (kind === 'nginx') {
    const file = join(dir, 'nginx.conf');
    writeFileSync(file, nginxConfig(dir, ports));
    child = spawn(bin, ['-p', dir, '-c', file, '-e', join(dir, 'startup-error.log'), '-g', 'daemon off;'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } else {
    const file = join(dir, 'Caddyfile');
    writeFileSync(file, caddyConfig(ports, await closedPort()));
    const env = { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir };
    child = spawn(bin, ['run', '--config', file, '--adapter', 'caddyfile'], { stdio: ['ignore', 'pipe', 'pipe'], env });
  }
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await accepts(ports.port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stopChild(child, 'SIGKILL');
      const log = kind === 'nginx' ? readFileSync(join(dir, 'startup-error.log'), 'utf8') : '';
      throw new Error(`${kind} did not start:\n${output}${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url: `http://127.0.0.1:${ports.port}`,
    output: () => output,
    stop: () => stopChild(child, kind === 'nginx' ? 'SIGQUIT' : 'SIGTERM'),
  };
}
