/**
 * A small web app for browser tests of portal-gateway/client: it serves the client's modules (compiled
 * from src/client/*.ts with TypeScript's own transpiler, as a bundler would) and two pages that use it,
 * one behind a `loginRedirect` route (signed in by the sign-in page, cookies) and one public page that
 * signs in through the client itself (tokens in memory).
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const CLIENT_DIR = fileURLToPath(new URL('../../src/client/', import.meta.url));

/** Functions the test calls with page.evaluate. */
const APP_SCRIPT = `
import { createPortalClient } from '/static/client/index.js';
const signOuts = [];
const client = createPortalClient({ baseUrl: '', onSignOut: (reason) => signOuts.push(reason) });
window.app = {
  signOuts,
  hasAccessToken: () => client.hasAccessToken,
  async callMany(count) {
    const responses = await Promise.all(Array.from({ length: count }, (_, i) => client.fetch('/api/data/' + i)));
    return Promise.all(responses.map(async (r) => ({ status: r.status, user: r.ok ? (await r.json()).headers['x-portal-target-key'] : null })));
  },
  async startLogin() {
    const login = await client.startLogin();
    window.app.result = login.result;
    return login.portalUrl;
  },
};
document.body.setAttribute('data-ready', 'true');
`;

const page = (
  title: string,
) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>
<body><h1>${title}</h1><script type="module">${APP_SCRIPT}</script></body></html>`;

function compiledClientModule(name: string): string | undefined {
  if (!/^[a-z-]+\.js$/.test(name)) return undefined;
  let source: string;
  try {
    source = readFileSync(CLIENT_DIR + name.replace(/\.js$/, '.ts'), 'utf8');
  } catch {
    return undefined;
  }
  return ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
  }).outputText;
}

export interface ClientApp {
  url: string;
  close(): Promise<void>;
}

export async function startClientApp(): Promise<ClientApp> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://app').pathname;
    const module = path.startsWith('/static/client/')
      ? compiledClientModule(path.slice('/static/client/'.length))
      : undefined;
    if (module !== undefined)
      return void res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(module);
    if (path === '/app/index.html')
      return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page('Signed-in app'));
    if (path === '/static/login.html')
      return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page('Client login'));
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}
