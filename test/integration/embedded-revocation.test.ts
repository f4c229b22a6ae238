/**
 * An application embedding portalAuth honours logouts made at the gateway: the app (the README's example,
 * test/support/embedding-app.ts) runs in its own process on the gateway's store, the gateway in another,
 * a user signs in with the test wallet through a real relay, then the session is ended at the gateway in
 * each way there is, and the app refuses the access token within a second. On SQLite and on Redis.
 * The example also type-checks as written ('portal-gateway' mapped to src/index.ts, its two free
 * variables declared with the types its text gives them).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenResponse } from '../../src/auth/session-service.js';
import type { StoreConfig } from '../../src/config/types.js';
import { generateKeyPair } from '../../src/index.js';
import { stopChild } from '../support/child-process.js';
import { describeWithRedis } from '../support/describe-with-redis.js';
import { readmeEmbeddingExample } from '../support/embedding-app.js';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { signInWithWallet, waitForRelay } from '../support/login-client.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { startRelayProcess, type RelayProcess } from '../support/relay-process.js';
import { TestWallet } from '../support/wallet.js';

const APP = fileURLToPath(new URL('../support/embedding-app.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REFUSED_WITHIN_MS = 1000;

const service = generateKeyPair();
let relay: RelayProcess;

beforeAll(async () => {
  relay = await startRelayProcess();
}, 30_000);

afterAll(async () => {
  await relay?.stop();
});

interface EmbeddingApp {
  url: string;
  stop(): Promise<void>;
}

async function startEmbeddingApp(store: StoreConfig): Promise<EmbeddingApp> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', APP, service.npub, JSON.stringify(store)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`embedding app not listening after 30 s:\n${output}`)), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /embedding app listening on (\S+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      resolve(match[1]!);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`embedding app exited with ${code}:\n${output}`));
    });
  });
  return { url, stop: () => stopChild(child, 'SIGTERM') };
}

/** Both processes on one store; each test signs a new user in. */
function sessionEndings(
  name: string,
  describeOn: (title: string, body: () => void) => void,
  storeFor: () => Promise<{ store: StoreConfig; cleanup?: () => Promise<void> }>,
) {
  describeOn(`an embedding app on the gateway's ${name} store`, () => {
    let gateway: GatewayProcess;
    let app: EmbeddingApp;
    let cleanup: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      const opened = await storeFor();
      cleanup = opened.cleanup;
      // The gateway's own endpoints are all these tests use; a route is required by the configuration.
      const routes = [{ prefix: '/unused', upstream: 'http://127.0.0.1:9', auth: 'public' }];
      gateway = await startGatewayProcess({
        serviceKey: service.secretKey,
        relays: [relay.url],
        store: opened.store,
        cookie: { secure: false },
        routes,
      });
      app = await startEmbeddingApp(opened.store);
      await waitForRelay(gateway.url);
    }, 90_000);

    afterAll(async () => {
      await app?.stop();
      await gateway?.stop();
      await cleanup?.();
    });

    async function signIn(): Promise<TokenResponse> {
      const wallet = new TestWallet({ secretKeyHex: generateKeyPair().secretKey });
      try {
        return await signInWithWallet(gateway.url, wallet);
      } finally {
        await wallet.close();
      }
    }

    async function atGateway(method: string, path: string, token?: string, body?: unknown) {
      const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(gateway.url + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json().catch(() => undefined)) as any };
    }

    async function atApp(token: string) {
      const response = await fetch(`${app.url}/me`, { headers: { authorization: `Bearer ${token}` } });
      return { status: response.status, body: (await response.json()) as any };
    }

    /** Milliseconds from now until the app refuses `token` as revoked (fails after 5 s). */
    async function refusedAfterMs(token: string): Promise<number> {
      const started = Date.now();
      for (;;) {
        const answer = await atApp(token);
        if (answer.status === 401) {
          expect(answer.body.error).toBe('ERR_TOKEN_REVOKED');
          return Date.now() - started;
        }
        expect(answer.status).toBe(200);
        if (Date.now() - started > 5000) throw new Error('the app still accepts the token after 5 s');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }

    async function signedInAtApp(): Promise<TokenResponse> {
      const session = await signIn();
      const me = await atApp(session.access_token);
      expect(me.status).toBe(200);
      expect(me.body.flow).toBe('login');
      return session;
    }

    it('refuses the access token of a session ended by POST /auth/logout within 1 s', async () => {
      const session = await signedInAtApp();
      expect((await atGateway('POST', '/auth/logout', session.access_token)).status).toBe(200);
      expect(await refusedAfterMs(session.access_token)).toBeLessThan(REFUSED_WITHIN_MS);
    });

    it('refuses every access token of the user after POST /auth/logout-all within 1 s', async () => {
      const session = await signedInAtApp();
      expect((await atGateway('POST', '/auth/logout-all', session.access_token)).status).toBe(200);
      expect(await refusedAfterMs(session.access_token)).toBeLessThan(REFUSED_WITHIN_MS);
    });

    it('refuses the access tokens of a session whose refresh token was reused within 1 s', async () => {
      const session = await signedInAtApp();
      const rotated = await atGateway('POST', '/auth/refresh', undefined, { refresh_token: session.refresh_token });
      expect(rotated.status).toBe(200);
      expect((await atApp(rotated.body.access_token)).status).toBe(200);
      const reused = await atGateway('POST', '/auth/refresh', undefined, { refresh_token: session.refresh_token });
      expect(reused.body.error).toBe('ERR_REFRESH_TOKEN_REUSED');
      expect(await refusedAfterMs(rotated.body.access_token)).toBeLessThan(REFUSED_WITHIN_MS);
      expect((await atApp(session.access_token)).status).toBe(401);
    });

    it('refuses the access token of a session ended by DELETE /auth/sessions/:id within 1 s', async () => {
      const session = await signedInAtApp();
      expect((await atGateway('DELETE', `/auth/sessions/${session.session_id}`, session.access_token)).status).toBe(
        204,
      );
      expect(await refusedAfterMs(session.access_token)).toBeLessThan(REFUSED_WITHIN_MS);
    });
  });
}

sessionEndings('SQLite', describe, async () => ({
  store: { kind: 'sqlite', path: join(mkdtempSync(join(tmpdir(), 'portal-gateway-embedding-')), 'gateway.db') },
}));

let redis: RedisServer | undefined;
sessionEndings('Redis', describeWithRedis, async () => {
  redis = await startRedisServer();
  return { store: { kind: 'redis', url: redis.url }, cleanup: () => redis!.stop() };
});

describe("README's embedding example", () => {
  // The tests above run it; this checks it against the package's types, as a reader's editor would.
  it('type-checks in strict mode as written', () => {
    const file = `${ROOT}test/integration/readme-embedding-example.generated.ts`;
    const source = [
      "import type { StoreConfig } from 'portal-gateway';",
      'declare const servicePubkey: string;',
      'declare const gatewayStore: StoreConfig;',
      readmeEmbeddingExample(),
      'export {};',
    ].join('\n');
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
      baseUrl: ROOT,
      paths: { 'portal-gateway': ['src/index.ts'] },
    };
    const host = ts.createCompilerHost(options);
    const readFile = host.readFile.bind(host);
    const fileExists = host.fileExists.bind(host);
    host.readFile = (name) => (name === file ? source : readFile(name));
    host.fileExists = (name) => name === file || fileExists(name);
    const program = ts.createProgram([file], options, host);
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file?.fileName === file || d.file === undefined)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(problems).toEqual([]);
  }, 120_000);
});
