import type { FastifyRequest } from 'fastify';

/** The origin a request reached the gateway at. */
export function gatewayOrigin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}
