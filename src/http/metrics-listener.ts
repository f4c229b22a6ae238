/**
 * `metrics.listen`: /metrics on a listener of its own (a port that only Prometheus reaches), and then
 * not on the main one. A plain node:http server: it serves one read-only path.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { RouteNotFound } from '../errors.js';

export interface MetricsListener {
  /** Base URL; the metrics are at `${url}/metrics`. */
  url: string;
  close(): Promise<void>;
}

export async function startMetricsListener(
  registry: Registry,
  listen: { host: string; port: number },
): Promise<MetricsListener> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?', 1)[0];
    if (path === '/metrics' && (request.method === 'GET' || request.method === 'HEAD')) {
      registry.metrics().then(
        (text) =>
          response
            .writeHead(200, { 'content-type': registry.contentType })
            .end(request.method === 'HEAD' ? undefined : text),
        () =>
          response
            .writeHead(500, { 'content-type': 'application/json' })
            .end('{"error":"ERR_INTERNAL","message":"internal error"}'),
      );
      return;
    }
    const error = new RouteNotFound(request.method ?? 'GET', path ?? '/');
    response
      .writeHead(404, { 'content-type': 'application/json; charset=utf-8' })
      .end(JSON.stringify({ error: error.code, message: error.message }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
