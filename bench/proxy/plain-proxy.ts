/**
 * Row 2 of the proxy benchmark: a plain @fastify/http-proxy with no authentication, the floor that any
 * authenticating proxy built on the same stack is compared with.
 */
import httpProxy from '@fastify/http-proxy';
import Fastify from 'fastify';
import { announce, upstreamUrl } from './announce.js';

const app = Fastify();
await app.register(httpProxy, { upstream: upstreamUrl(), prefix: '/api', rewritePrefix: '/api' });
announce(await app.listen({ host: '127.0.0.1', port: 0 }));
