/** `GET /.well-known/jwks.json`: the public keys that verify `x-portal-assertion` (RFC 7517). */
import type { FastifyInstance } from 'fastify';
import type { AssertionKeys } from '../assertion/assertion-keys.js';

/** `path`: where the endpoint list puts it (src/gateway-endpoints.ts). */
export function registerJwksRoute(app: FastifyInstance, path: string, keys: AssertionKeys): void {
  // Short-lived: after a rotation, upstreams meet the new `kid` and fetch again.
  app.get(path, (_request, reply) =>
    reply
      .header('cache-control', 'public, max-age=60')
      .type('application/jwk-set+json')
      .send({ keys: keys.published() }),
  );
}
