/**
 * The one place where errors become HTTP responses: `{ "error": "<code>", "message": "<safe text>" }`.
 * Client mistakes never become a 500: Fastify's own 4xx errors (bad JSON, body too large, malformed URL,
 * …) are mapped to our codes, and so are the answers Node's HTTP parser gives before Fastify sees a
 * request; only genuine bugs answer ERR_INTERNAL, without details.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyServerOptions } from 'fastify';
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import {
  BadRequest,
  GatewayError,
  HeadersTooLarge,
  InternalError,
  PayloadTooLarge,
  RequestTimeout,
  RouteNotFound,
  UnsupportedMediaType,
  type ErrorCode,
} from '../errors.js';
import { HTTP_STATUS_OF, isInvalidTokenStatus } from './error-status.js';

const REALM = 'portal-gateway';
const JSON_TYPE = 'application/json; charset=utf-8';

/** A header-safe quoted-string body: printable ASCII only (RFC 6750 error_description), no quotes. */
function quoted(text: string): string {
  return text.replace(/…/g, '...').replace(/[^\x20-\x7e]|["\\]/g, ' ');
}

/** Convert anything thrown into a GatewayError that is safe to show to the client. */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  const statusCode = (error as FastifyError | undefined)?.statusCode;
  if (statusCode === 413) return new PayloadTooLarge('request body is too large');
  if (statusCode === 415)
    return new UnsupportedMediaType('the request body has a Content-Type this endpoint does not accept');
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) {
    return new BadRequest((error as Error).message || 'bad request');
  }
  return new InternalError({ cause: error });
}

/** Where sendError leaves the code for the request's log line. */
const ERROR_CODE = Symbol('portal-gateway.errorCode');

/** The error code this reply was answered with, if it was an error answer. */
export function errorCodeOf(reply: FastifyReply): ErrorCode | undefined {
  return (reply as unknown as { [ERROR_CODE]?: ErrorCode })[ERROR_CODE];
}

export function sendError(reply: FastifyReply, error: GatewayError): FastifyReply {
  const status = HTTP_STATUS_OF[error.code];
  (reply as unknown as { [ERROR_CODE]?: ErrorCode })[ERROR_CODE] = error.code;
  if (isInvalidTokenStatus(error.code)) {
    reply.header(
      'www-authenticate',
      `Bearer realm="${REALM}", error="invalid_token", error_description="${quoted(error.message)}"`,
    );
  }
  return reply.code(status).type(JSON_TYPE).send({ error: error.code, message: error.message });
}

/** The same answer for a request Fastify never sees (refused on arrival); the connection is closed after it. */
export function sendRawError(res: ServerResponse, error: GatewayError): void {
  const body = JSON.stringify({ error: error.code, message: error.message });
  res
    .writeHead(HTTP_STATUS_OF[error.code], {
      'content-type': JSON_TYPE,
      'content-length': Buffer.byteLength(body),
      connection: 'close',
    })
    .end(body);
}

/** The same answer written straight to a socket whose request the HTTP parser could not finish, then closed. */
export function writeSocketError(socket: Socket, error: GatewayError): void {
  const status = HTTP_STATUS_OF[error.code];
  const body = JSON.stringify({ error: error.code, message: error.message });
  socket.write(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nconnection: close\r\ncontent-type: ${JSON_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.destroy();
}

/** Node's `clientError`: a request the HTTP parser refused (malformed, header block too large or too slow). */
export const answerClientError: NonNullable<FastifyServerOptions['clientErrorHandler']> = function (
  this: FastifyInstance,
  error,
  socket,
) {
  // Mostly network noise (resets, scanners): logged only at trace, like Fastify's own handler does.
  this.log.trace({ err: error }, 'client error');
  // Nobody is left to answer on a reset connection; after a response has started, another cannot follow it.
  const current = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || current?.headersSent) return void socket.destroy();
  writeSocketError(socket, clientErrorAnswer(error.code));
};

function clientErrorAnswer(code: string): GatewayError {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return new HeadersTooLarge('the request headers are larger than 16 KiB');
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new PayloadTooLarge('the chunk extensions of the request body are too large');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new RequestTimeout();
    default:
      return new BadRequest('malformed HTTP request');
  }
}

/** Fastify's errors raised before a route runs (malformed URL, …): the same shape as every other error. */
export const answerFrameworkError: NonNullable<FastifyServerOptions['frameworkErrors']> = (error, _request, reply) => {
  sendError(reply, toGatewayError(error));
};

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const gatewayError = toGatewayError(error);
    if (gatewayError instanceof InternalError) request.log.error({ err: error }, 'unhandled error');
    if (reply.sent || reply.raw.headersSent) return;
    return sendError(reply, gatewayError);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new RouteNotFound(request.method, request.url.split('?', 1)[0]!)),
  );
}
