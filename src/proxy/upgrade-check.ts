/**
 * Upgrade requests on proxied routes are checked before anything is forwarded. On a route without
 * `websocket: true` an upgrade is never tunnelled; on a route with it, a bad handshake would otherwise
 * reach the upstream and be refused in its own format. Both get the gateway's JSON 400 here, and their
 * connection is closed.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BadRequest } from '../errors.js';

type Done = (error?: Error) => void;

// RFC 6455 §4.1: the key is 16 random bytes in base64.
const KEY = /^[+/0-9A-Za-z]{22}==$/;
const TOKEN = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]+";
const PROTOCOL_LIST = new RegExp(`^${TOKEN}(?:[ \\t]*,[ \\t]*${TOKEN})*$`);

/**
 * onRequest hook of every proxied route, ahead of its policy (the answer does not depend on who asks).
 * Requests without an Upgrade header pay one property read.
 */
export function refuseUnproxiedUpgrade(request: FastifyRequest, reply: FastifyReply, done: Done): void {
  const upgrade = request.headers.upgrade;
  if (upgrade === undefined || request.routeOptions.config.websocket) return done();
  refuse(
    reply,
    done,
    isWebSocket(upgrade) ? 'WebSocket is not enabled on this route' : 'only WebSocket upgrades are supported',
  );
}

/** preHandler of the routes that proxy WebSockets: after the policy, the handshake itself (RFC 6455 §4.2.1). */
export function checkWebSocketHandshake(request: FastifyRequest, reply: FastifyReply, done: Done): void {
  const upgrade = request.headers.upgrade;
  if (upgrade === undefined) return done();
  const problem = isWebSocket(upgrade) ? handshakeProblem(request) : 'only WebSocket upgrades are supported';
  if (problem === undefined) return done();
  refuse(reply, done, problem);
}

function isWebSocket(upgrade: string): boolean {
  return upgrade.toLowerCase() === 'websocket';
}

function refuse(reply: FastifyReply, done: Done, problem: string): void {
  reply.header('connection', 'close');
  done(new BadRequest(problem));
}

/** What the WebSocket library would refuse in a handshake, or undefined. */
function handshakeProblem(request: FastifyRequest): string | undefined {
  if (request.method !== 'GET') return 'a WebSocket handshake must be a GET request';
  const key = request.headers['sec-websocket-key'];
  if (key === undefined || !KEY.test(key)) return 'missing or invalid Sec-WebSocket-Key header';
  const version = request.headers['sec-websocket-version'];
  if (version !== '13' && version !== '8') return 'missing or invalid Sec-WebSocket-Version header (13 is supported)';
  const protocols = request.headers['sec-websocket-protocol'];
  if (protocols !== undefined) {
    const names = protocols.split(',').map((name) => name.trim());
    if (!PROTOCOL_LIST.test(protocols) || new Set(names).size !== names.length)
      return 'invalid Sec-WebSocket-Protocol header';
  }
  return undefined;
}
