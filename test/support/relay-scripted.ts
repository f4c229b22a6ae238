/**
 * A relay whose behaviour the test decides, for the tests of the code that talks to relays and of
 * what happens when a relay lies. It speaks just enough NIP-01: REQ gets EOSE (nothing is stored),
 * EVENT gets the OK the test chooses (default OK true) but is never forwarded, and `inject` pushes
 * anything to open subscriptions whatever their filters.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface ScriptedRelayOptions {
  /** Default: a free port. */
  port?: number;
  /** Answer pings (default true); false simulates a peer that is gone without closing. */
  autoPong?: boolean;
  /** The OK for a published event: [accepted, message], or undefined to never answer. */
  answer?: (event: { id: string }) => [boolean, string] | undefined;
}

export interface ScriptedRelay {
  url: string;
  port: number;
  /** Every message received, parsed, in order. */
  readonly received: unknown[][];
  /** Open connections. */
  connectionCount(): number;
  /** Sends `event` on every open subscription (or only `subscriptionId`); returns how many copies went out. */
  inject(event: unknown, subscriptionId?: string): number;
  /** Sends `text` as it is (not necessarily JSON) to every connection. */
  injectRaw(text: string): void;
  /** Cuts every connection at once (as a crash looks to the client). */
  dropConnections(): void;
  close(): Promise<void>;
}

export async function startScriptedRelay(options: ScriptedRelayOptions = {}): Promise<ScriptedRelay> {
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: options.port ?? 0,
    autoPong: options.autoPong ?? true,
  });
  const subscriptions = new Map<WebSocket, Set<string>>();
  const received: unknown[][] = [];
  const answer = options.answer ?? (() => [true, '']);
  server.on('connection', (ws) => {
    subscriptions.set(ws, new Set());
    ws.on('close', () => subscriptions.delete(ws));
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as unknown[];
      received.push(message);
      if (message[0] === 'REQ') {
        subscriptions.get(ws)?.add(String(message[1]));
        ws.send(JSON.stringify(['EOSE', message[1]]));
      } else if (message[0] === 'CLOSE') {
        subscriptions.get(ws)?.delete(String(message[1]));
      } else if (message[0] === 'EVENT') {
        const event = message[1] as { id: string };
        const ok = answer(event);
        if (ok) ws.send(JSON.stringify(['OK', event.id, ...ok]));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    received,
    connectionCount: () => subscriptions.size,
    inject(event, subscriptionId) {
      let sent = 0;
      for (const [ws, ids] of subscriptions) {
        for (const id of ids) {
          if (subscriptionId !== undefined && id !== subscriptionId) continue;
          ws.send(JSON.stringify(['EVENT', id, event]));
          sent++;
        }
      }
      return sent;
    },
    injectRaw(text) {
      for (const ws of subscriptions.keys()) ws.send(text);
    },
    dropConnections() {
      for (const ws of server.clients) ws.terminate();
    },
    async close() {
      for (const ws of server.clients) ws.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
