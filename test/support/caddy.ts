/**
 * A real Caddy for tests, run on deploy/Caddyfile itself: the environment fills in only the ports and
 * the upstreams, as compose.yaml fills in the rest. Its data (the internal CA) lives in a temp dir;
 * `rootCertificate` is that CA's root, for clients to trust. Needs Debian's `caddy` (apt-get install
 * caddy); `CADDY_BIN` names another binary.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopChild } from './child-process.js';
import { closedPort } from './echo-upstream.js';
import { isExecutable } from './redis-binary.js';

const CADDYFILE = fileURLToPath(new URL('../../deploy/Caddyfile', import.meta.url));
const START_TIMEOUT_MS = 20_000;

/** `CADDY_BIN` when set, else the first `caddy` on the PATH; undefined when there is none. */
export function findCaddy(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CADDY_BIN) return env.CADDY_BIN;
  return (env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, 'caddy'))
    .find(isExecutable);
}

export interface Caddy {
  /** `https://localhost:<port>`. */
  url: string;
  /** PEM of the root of Caddy's internal CA, which issued the site's certificate. */
  rootCertificate: string;
  output(): string;
  stop(): Promise<void>;
}

/** Runs deploy/Caddyfile in front of `upstreams` (host:port each) on free loopback-reachable ports. */
export async function startCaddy(upstreams: string[]): Promise<Caddy> {
  const bin = findCaddy();
  if (!bin)
    throw new Error(
      'caddy is missing: the Caddy tests need a real server (apt-get install -y caddy, or set CADDY_BIN)',
    );
  const home = mkdtempSync(join(tmpdir(), 'portal-gateway-caddy-'));
  const [httpPort, httpsPort] = [await closedPort(), await closedPort()];
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    XDG_DATA_HOME: join(home, 'data'),
    XDG_CONFIG_HOME: join(home, 'config'),
    CADDY_HTTP_PORT: String(httpPort),
    CADDY_HTTPS_PORT: String(httpsPort),
    GATEWAY_UPSTREAMS: upstreams.join(' '),
  };
  const child: ChildProcess = spawn(bin, ['run', '--config', CADDYFILE, '--adapter', 'caddyfile'], {
    cwd: home,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const rootFile = join(env.XDG_DATA_HOME, 'caddy/pki/authorities/local/root.crt');
  const deadline = Date.now() + START_TIMEOUT_MS;
  // Caddy writes its CA's root at start-up, then serves once the site's certificate is issued.
  while (!existsSync(rootFile) || !output.includes('"msg":"serving initial configuration"')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stopChild(child, 'SIGKILL');
      throw new Error(
        `caddy did not start (${child.exitCode === null ? 'timeout' : `exited with ${child.exitCode}`}):\n${output}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `https://localhost:${httpsPort}`,
    rootCertificate: readFileSync(rootFile, 'utf8'),
    output: () => output,
    async stop() {
      await stopChild(child, 'SIGTERM');
      rmSync(home, { recursive: true, force: true });
    },
  };
}
