/**
 * A real upstream HTTP server for tests: echoes what it received (method, URL, headers, body size and
 * SHA-256), streams large bodies on demand, answers slowly on demand, answers with hop-by-hop headers
 * on `/hop-by-hop`, and echoes WebSocket messages; a WebSocket handshake to a path ending in `/ws-refused`
 * gets a 403, one ending in `/ws-held` no answer at all. With `tls` it serves HTTPS (and WSS) instead.
 */
import { createHash } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';

export interface EchoReply {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  bodyBytes: number;
  bodySha256: string;
}

export interface EchoUpstream {
  url: string;
  server: Server;
  /** Bytes of the request body received so far by the current upload (streaming checks). */
  uploadProgress(): number;
  /** Release a `/hold-response/...` response that is waiting after its first chunk. */
  releaseHeldResponse(): void;
  /** WebSocket connections accepted so far. */
  webSocketConnections(): number;
  /** TCP connections open right now. */
  openConnections(): number;
  /** Handshakes to `/ws-held` received so far. */
  heldHandshakes(): number;
  close(): Promise<void>;
}

const CHUNK = Buffer.alloc(64 * 1024, 'abcdefgh');

export interface EchoUpstreamOptions {
  /** PEM certificate and key: serve HTTPS. */
  tls?: { cert: string; key: string };
}

export async function startEchoUpstream(options: EchoUpstreamOptions = {}): Promise<EchoUpstream> {
  let received = 0;
  let release: (() => void) | undefined;
  const answer = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://upstream');
    const slow = /\/slow\/(\d+)$/.exec(url.pathname);
    const hold = /\/hold-response\/(\d+)$/.exec(url.pathname);
    if (slow) {
      setTimeout(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"slow":true}'),
        Number(slow[1]),
      );
      return;
    }
    if (url.pathname.endsWith('/hop-by-hop')) {
      // Every kind of header that describes this one connection, and one named by Connection.
      res.writeHead(200, {
        'content-type': 'application/json',
        connection: 'keep-alive, X-Upstream-Private',
        'x-upstream-private': 'only for this hop',
        'keep-alive': 'timeout=5',
        'proxy-authenticate': 'Basic realm="upstream"',
        'proxy-connection': 'keep-alive',
        te: 'trailers',
        trailer: 'x-checksum',
        upgrade: 'h2c',
        'x-upstream': 'echo',
      });
      res.end('{"hopByHop":true}');
      return;
    }
    if (hold) {
      // First chunk now, the rest only when the test releases it: proves the gateway streams responses.
      const total = Number(hold[1]);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(total) });
      res.write(CHUNK);
      release = () => {
        let sent = CHUNK.length;
        const pump = () => {
          while (sent < total) {
            const piece = CHUNK.subarray(0, Math.min(CHUNK.length, total - sent));
            sent += piece.length;
            if (!res.write(piece)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
      };
      return;
    }
    const hash = createHash('sha256');
    received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      hash.update(chunk);
    });
    req.on('end', () => {
      const body: EchoReply = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        bodyBytes: received,
        bodySha256: hash.digest('hex'),
      };
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'echo' }).end(JSON.stringify(body));
    });
  };
  // An https.Server is an http.Server to everything below.
  const server: Server = options.tls
    ? (createHttpsServer(options.tls, answer) as unknown as Server)
    : createServer(answer);
  const connections = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  let held = 0;
  const wss = new WebSocketServer({
    server,
    verifyClient: ({ req }, accept) => {
      if (req.url?.endsWith('/ws-refused')) return accept(false, 403, 'this upstream refuses the handshake');
      if (req.url?.endsWith('/ws-held')) {
        held += 1;
        // Nothing reads a held handshake's socket: watch it for the gateway closing its side.
        req.socket.once('end', () => req.socket.destroy()).resume();
        return;
      }
      accept(true);
    },
  });
  let webSockets = 0;
  wss.on('connection', (socket, req) => {
    webSockets += 1;
    socket.send(JSON.stringify({ headers: req.headers, url: req.url }));
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    server,
    uploadProgress: () => received,
    releaseHeldResponse: () => release?.(),
    webSocketConnections: () => webSockets,
    openConnections: () => connections.size,
    heldHandshakes: () => held,
    async close() {
      for (const client of wss.clients) client.terminate();
      // Held handshakes are not the HTTP server's connections any more.
      for (const socket of connections) socket.destroy();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port with nothing listening on it (for 502 tests). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
