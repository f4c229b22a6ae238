/**
 * A tiny API that stands in for "the API you already run" when the gateway starts on embedded
 * defaults: it shows what the gateway tells an upstream about the caller.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DemoUpstream {
  url: string;
  close(): Promise<void>;
}

function identity(req: IncomingMessage) {
  const key = req.headers['x-portal-target-key'];
  if (typeof key !== 'string') return null;
  return {
    targetKey: key,
    npub: req.headers['x-portal-npub'],
    flow: req.headers['x-portal-auth-flow'],
    permissions: String(req.headers['x-portal-permissions'] ?? '')
      .split(',')
      .filter(Boolean),
  };
}

export async function startDemoUpstream(host = '127.0.0.1', port = 0): Promise<DemoUpstream> {
  const server: Server = createServer((req, res) => {
    req.resume();
    const body = {
      service: 'demo upstream',
      path: req.url,
      caller: identity(req),
      note: 'This API has no auth code: the gateway verified the caller and sent x-portal-* headers.',
    };
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body, null, 2) + '\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
