/**
 * The container files, checked without a container engine: the Dockerfile's stages and the commands
 * each runs, its HEALTHCHECK command run for real against a gateway, and what .dockerignore and
 * deploy/compose.yaml hold. (The compose topology itself runs in caddy-replicas.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, startEchoUpstream, type EchoUpstream } from '../support/echo-upstream.js';
import { startGatewayFromEnvironment, type GatewayProcess } from '../support/gateway-process.js';

const read = (path: string) => readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8');
const dockerfile = read('Dockerfile');
/** Instructions (continuation lines joined, comments dropped), split into stages at each FROM. */
const stages = dockerfile
  .replace(/\\\n\s*/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'))
  .reduce<string[][]>((all, line) => (line.startsWith('FROM ') ? [...all, [line]] : (all.at(-1)!.push(line), all)), []);
const runtime = stages.at(-1)!;
const healthcheck = runtime.find((line) => line.startsWith('HEALTHCHECK '));

describe('Dockerfile', () => {
  it('builds on node:22-slim in stages, and the runtime stage installs and compiles nothing', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage[0]).toMatch(/^FROM node:22-slim\b/);
    const build = stages.slice(0, -1).flat().join('\n');
    expect(build).toMatch(/RUN npm ci\b/);
    expect(build).toMatch(/npm run build && npm prune --omit=dev/);
    expect(runtime.join('\n')).not.toMatch(/npm (ci|install)|g\+\+|COPY src|tsconfig/);
    expect(runtime).toContain('COPY --from=build /app/node_modules ./node_modules');
    expect(runtime).toContain('COPY --from=build /app/dist ./dist');
  });

  it('runs as the unprivileged node user, configured by the environment', () => {
    expect(runtime.filter((line) => line.startsWith('USER '))).toEqual(['USER node']);
    expect(runtime.join('\n')).toMatch(/ENV .*PORTAL_LISTEN_HOST=0\.0\.0\.0/);
    expect(runtime.at(-1)).toBe('CMD ["serve"]');
  });

  describe('HEALTHCHECK', () => {
    let upstream: EchoUpstream;
    let gateway: GatewayProcess;
    beforeAll(async () => {
      upstream = await startEchoUpstream();
      gateway = await startGatewayFromEnvironment({
        PORTAL_ROUTES: JSON.stringify([{ prefix: '/api', upstream: upstream.url }]),
        PORTAL_RELAYS: '[]',
        PORTAL_STORE_KIND: 'memory',
      });
    });
    afterAll(async () => {
      await gateway?.stop();
      await upstream?.close();
    });

    /** The image's health command, run as Docker runs it (exec form) with the container's environment. */
    const check = (env: Record<string, string>) => {
      const [program, ...args] = JSON.parse(healthcheck!.replace(/^HEALTHCHECK .*?CMD /, '')) as string[];
      return spawnSync(program === 'node' ? process.execPath : program!, args, {
        env: { PATH: process.env.PATH ?? '', ...env },
        timeout: 10_000,
      }).status;
    };

    it('is a node one-liner that passes while /healthz answers and fails when nothing listens', async () => {
      expect(healthcheck).toMatch(/^HEALTHCHECK --interval=\S+ --timeout=\S+ .*CMD \["node", "-e", /);
      expect(check({ PORTAL_LISTEN_PORT: new URL(gateway.url).port })).toBe(0);
      expect(check({ PORTAL_GATEWAY_PORT: new URL(gateway.url).port })).toBe(0);
      expect(check({ PORTAL_LISTEN_PORT: String(await closedPort()) })).toBe(1);
    });
  });
});

describe('.dockerignore', () => {
  it('keeps node_modules, .git, local state, test artifacts and local keys out of the build context', () => {
    const patterns = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    for (const pattern of [
      'node_modules',
      '**/node_modules',
      '.git',
      '.portal-gateway',
      '**/.portal-gateway',
      'test-artifacts',
      'test',
      'bench',
      '**/service-key',
      '**/*.pem',
      '**/*.key',
      '**/.env',
    ]) {
      expect(patterns).toContain(pattern);
    }
  });
});

describe('deploy/compose.yaml', () => {
  const compose = read('deploy/compose.yaml');
  it('runs two gateway replicas from one definition, configured by environment only, sharing Redis behind Caddy', () => {
    expect(compose).toMatch(/^ {2}gateway-1: \*gateway$/m);
    expect(compose).toMatch(/^ {2}gateway-2: \*gateway$/m);
    expect(compose).toMatch(/^ {4}PORTAL_ROUTES: '\[/m);
    expect(compose).toMatch(/^ {4}PORTAL_STORE_KIND: redis$/m);
    expect(compose).toMatch(/^ {4}PORTAL_SERVICE_KEY_FILE: \/run\/secrets\//m);
    expect(compose).not.toMatch(/--config|PORTAL_CONFIG|gateway\.json/);
    expect(compose).toMatch(/^ {6}- \.\/Caddyfile:\/etc\/caddy\/Caddyfile:ro$/m);
    expect(compose).toMatch(/^ {6}GATEWAY_UPSTREAMS: gateway-1:8080 gateway-2:8080$/m);
  });
});
