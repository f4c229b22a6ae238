/**
 * Upgrade requests (WebSocket handshakes). Node takes their socket away from the HTTP server, so
 * whoever handles the `upgrade` event owns the answer: here every upgrade is routed like any other
 * request, and its connection is closed once answered, unless a route that proxies WebSockets takes it
 * over. No upgrade socket is left without an answer.
 */
import type { FastifyInstance } from 'fastify';
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { BadRequest } from '../errors.js';
import { writeSocketError } from './error-handler.js';
import { hostProblem } from './http-server.js';

type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** Call once every route is registered. */
export function routeUpgrades(app: FastifyInstance): void {
  const server = app.server;
  // @fastify/http-proxy listens when a route proxies WebSockets, and routes every upgrade while its
  // listener is the only one: this listener takes its place and hands it the upgrades.
  const proxyListeners = server.listeners('upgrade') as UpgradeListener[];
  server.removeAllListeners('upgrade');
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // The socket comes without the HTTP server's error handling: a client that vanishes must not throw.
    socket.on('error', () => socket.destroy());
    const problem = hostProblem(req);
    if (problem !== undefined) return writeSocketError(socket as Socket, new BadRequest(problem));
    if (proxyListeners.length === 0) return routeAndClose(app, req, socket as Socket);
    for (const listener of proxyListeners) listener.call(server, req, socket, head);
  });
}

/** What the proxy does for the upgrades it routes, for when no route proxies WebSockets. */
function routeAndClose(app: FastifyInstance, req: IncomingMessage, socket: Socket): void {
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket);
  res.on('finish', () => socket.destroy());
  app.routing(req, res);
}
