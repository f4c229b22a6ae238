/**
 * The one place where errors become HTTP responses: `{ "error": "<code>", "message": "<safe text>" }`.
 * Client mistakes never become a 500: Fastify's own 4xx errors (bad JSON, body too large, …) are mapped
 * to our codes; only genuine bugs answer ERR_INTERNAL, without details.
 */
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { BadRequest, GatewayError, InternalError, PayloadTooLarge, RouteNotFound } from '../errors.js';
import { HTTP_STATUS_OF, isInvalidTokenStatus } from './error-status.js';

const REALM = 'portal-gateway';

/** A header-safe quoted-string body: printable ASCII only (RFC 6750 error_description), no quotes. */
function quoted(text: string): string {
  return text.replace(/…/g, '...').replace(/[^\x20-\x7e]|["\\]/g, ' ');
}

/** Convert anything thrown into a GatewayError that is safe to show to the client. */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  const statusCode = (error as FastifyError | undefined)?.statusCode;
  if (statusCode === 413) return new PayloadTooLarge('request body is too large');
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) {
    return new BadRequest((error as Error).message || 'bad request');
  }
  return new InternalError({ cause: error });
}

export function sendError(reply: FastifyReply, error: GatewayError): FastifyReply {
  const status = HTTP_STATUS_OF[error.code];
  if (isInvalidTokenStatus(error.code)) {
    reply.header('www-authenticate', `Bearer realm="${REALM}", error="invalid_token", error_description="${quoted(error.message)}"`);
  }
  return reply.code(status).type('application/json; charset=utf-8').send({ error: error.code, message: error.message });
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const gatewayError = toGatewayError(error);
    if (gatewayError instanceof InternalError) request.log.error({ err: error }, 'unhandled error');
    if (reply.sent || reply.raw.headersSent) return;
    return sendError(reply, gatewayError);
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, new RouteNotFound(request.method, request.url.split('?', 1)[0]!)));
}
