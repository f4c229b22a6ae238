/**
 * Row 5 of the proxy benchmark: the authenticating proxy a team would build from the usual tutorials
 * (@fastify/jwt has no ES256K, so jose@5 does the checking): verify every request in an onRequest hook,
 * pass the user on in a header, forward with @fastify/http-proxy. No cache, as in the tutorials.
 */
import httpProxy from '@fastify/http-proxy';
import Fastify, { type FastifyRequest } from 'fastify';
import { importJWK, jwtVerify, type JWK, type JWTPayload } from 'jose';
import { announce, upstreamUrl } from './announce.js';

const jwk = JSON.parse(process.env.BENCH_PUBLIC_JWK ?? 'null') as JWK | null;
if (!jwk) throw new Error('benchmark jose proxy: BENCH_PUBLIC_JWK is not set');
const key = await importJWK(jwk, 'ES256K');

declare module 'fastify' {
  interface FastifyRequest {
    user?: JWTPayload;
  }
}

const app = Fastify();
app.addHook('onRequest', async (request, reply) => {
  const header = request.headers.authorization;
  if (!header?.startsWith('Bearer ')) return reply.code(401).send({ error: 'missing token' });
  try {
    request.user = (await jwtVerify(header.slice(7), key, { algorithms: ['ES256K'] })).payload;
  } catch {
    return reply.code(401).send({ error: 'invalid token' });
  }
});
await app.register(httpProxy, {
  upstream: upstreamUrl(),
  prefix: '/api',
  rewritePrefix: '/api',
  replyOptions: {
    rewriteRequestHeaders: (request, headers) => {
      const { authorization: _token, ...rest } = headers;
      return { ...rest, 'x-user': String((request as FastifyRequest).user?.target_key ?? '') };
    },
  },
});
announce(await app.listen({ host: '127.0.0.1', port: 0 }));
