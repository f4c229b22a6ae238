/**
 * The Node HTTP server under Fastify, with its edges hardened: a header block that is not complete
 * within `limits.headersTimeoutMs` is answered 408 and closed, idle keep-alive connections close after
 * `limits.keepAliveTimeoutMs`, a request without exactly one Host header is refused (JSON 400), and
 * `100 Continue` goes out only once the gateway reads the body, so a request its policy refuses never
 * gets one.
 */
import { createServer, type IncomingMessage, type Server, type ServerOptions, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { FastifyServerFactory } from 'fastify';
import { BadRequest } from '../errors.js';
import { sendRawError, writeSocketError } from './error-handler.js';
import type { TlsFiles } from './tls.js';

export interface ServerLimits {
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

/** What Node adds to `keepAliveTimeout` before it closes an idle connection. */
export const NODE_KEEP_ALIVE_BUFFER_MS = 1000;

/** HTTP, or HTTPS with `tls` (`listen.tls`). */
export function gatewayServerFactory(limits: ServerLimits, tls?: TlsFiles): FastifyServerFactory {
  return (handler) => {
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
      const problem = hostProblem(req);
      if (problem !== undefined) return sendRawError(res, new BadRequest(problem));
      handler(req, res);
    };
    const options: ServerOptions = {
      headersTimeout: limits.headersTimeoutMs,
      // Proxied bodies stream for as long as they need: only the header block is timed.
      requestTimeout: 0,
      // How often Node looks for overdue header blocks; its default (30 s) would stretch the timeout.
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
      // Checked by hostProblem instead, so that the answer is JSON like every other.
      requireHostHeader: false,
    };
    // An https.Server is an http.Server to everything below.
    const server: Server = tls
      ? (createHttpsServer({ ...options, ...tls }, onRequest) as unknown as Server)
      : createServer(options, onRequest);
    // Node closes an idle connection one second after keepAliveTimeout (and tells clients the shorter
    // figure in Keep-Alive: timeout=…, so they stop first): the connection closes at the configured time.
    server.keepAliveTimeout = limits.keepAliveTimeoutMs - NODE_KEEP_ALIVE_BUFFER_MS;
    server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
      continueWhenRead(req, res);
      onRequest(req, res);
    });
    // Expectations other than 100-continue are ignored (RFC 9110 allows it): the request is served as usual.
    server.on('checkExpectation', onRequest);
    // Node would drop a CONNECT without a word: say why instead.
    server.on('connect', (_req: IncomingMessage, socket: Socket) =>
      writeSocketError(socket, new BadRequest('CONNECT is not supported: the gateway is not a forward proxy')),
    );
    return server;
  };
}

/** Why a request's Host header is unusable (none on HTTP/1.1, or several), or undefined. */
export function hostProblem(req: IncomingMessage): string | undefined {
  // rawHeaders is already a flat list of names and values: counting allocates nothing (every request).
  const raw = req.rawHeaders;
  let hosts = 0;
  for (let i = 0; i < raw.length; i += 2) if (isHost(raw[i]!)) hosts++;
  if (hosts === 1) return undefined;
  if (hosts > 1) return 'a request must not carry more than one Host header';
  return req.httpVersion === '1.0' ? undefined : 'a Host header is required';
}

function isHost(name: string): boolean {
  return name.length === 4 && (name === 'Host' || name === 'host' || name.toLowerCase() === 'host');
}

/**
 * A client that sent `Expect: 100-continue` holds its body back until told to send it. It is told when
 * the body is first read, which happens only after the route's policy let the request through; Node
 * closes the connection after an answer given without reading the body.
 */
function continueWhenRead(req: IncomingMessage, res: ServerResponse): void {
  const read = req._read;
  req._read = function continueThenRead(size: number) {
    req._read = read;
    // Also reached when Node drains the unread body of an answered request: no 100 after the answer.
    if (!res.headersSent) res.writeContinue();
    read.call(req, size);
  };
}
