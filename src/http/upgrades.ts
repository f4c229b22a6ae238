/**
 * Upgrade requests (WebSocket handshakes). Node takes their socket away from the HTTP server, so
 * whoever handles the `upgrade` event owns the answer: here every upgrade is routed like any other
 * request, and its connection is closed once answered, unless the route handler takes the socket over
 * (a route that proxies WebSockets, once its policy let the handshake through). No upgrade socket is
 * left without an answer.
 */
import type { FastifyInstance } from 'fastify';
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { BadRequest } from '../errors.js';
import { writeSocketError } from './error-handler.js';
import { hostProblem } from './http-server.js';

export interface UpgradeSocket {
  socket: Socket;
  /** Bytes the client sent after its handshake. */
  head: Buffer;
}

const upgrades = new WeakMap<IncomingMessage, UpgradeSocket>();

/** The socket of an upgrade request, for the route handler that takes it over; undefined for any other request. */
export function upgradeSocketOf(req: IncomingMessage): UpgradeSocket | undefined {
  return upgrades.get(req);
}

/** Call once every route is registered. */
export function routeUpgrades(app: FastifyInstance): void {
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // The socket comes without the HTTP server's error handling: a client that vanishes must not throw.
    socket.on('error', () => socket.destroy());
    const problem = hostProblem(req);
    if (problem !== undefined) return writeSocketError(socket as Socket, new BadRequest(problem));
    upgrades.set(req, { socket: socket as Socket, head });
    routeAndClose(app, req, socket as Socket);
  });
}

/** Route the upgrade like any request, on a response bound to its socket; the socket is closed once that is answered. */
function routeAndClose(app: FastifyInstance, req: IncomingMessage, socket: Socket): void {
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket);
  res.on('finish', () => socket.destroy());
  app.routing(req, res);
}
