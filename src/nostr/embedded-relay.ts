/**
 * A real Nostr relay on a loopback port: `@nostr-relay/core` behind a small `ws` server. It is the
 * gateway's embedded default relay (logins work with no internet) and the relay of the tests.
 *
 * Two fixes over the core as shipped:
 * - the core ignores tag filters (`#p`) for live events and sends every subscriber every event, so
 *   each outgoing EVENT is checked against its subscription's filters (nostr-tools `matchFilter`);
 * - the core keeps 20 subscriptions per connection and silently drops the oldest, so the cap is
 *   raised, and a REQ over the cap is refused with CLOSED instead of evicting a live subscription.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { NostrRelay } from '@nostr-relay/core';
import { LogLevel, type Client, type IncomingMessage } from '@nostr-relay/common';
import { Validator } from '@nostr-relay/validator';
import { matchFilters, type Filter } from 'nostr-tools/filter';
import type { NostrEvent } from 'nostr-tools/core';
import { MemoryEventRepository } from './embedded-relay-store.js';

export interface EmbeddedRelayOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 1024. */
  maxSubscriptionsPerConnection?: number;
  /** Non-ephemeral events kept in memory (oldest evicted first). Default 10,000. */
  maxStoredEvents?: number;
  /** Largest WebSocket message accepted from a client. Default 256 KiB. */
  maxMessageBytes?: number;
}

export interface EmbeddedRelay {
  /** `ws://host:port` */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startEmbeddedRelay(options: EmbeddedRelayOptions = {}): Promise<EmbeddedRelay> {
  const host = options.host ?? '127.0.0.1';
  const maxSubscriptions = options.maxSubscriptionsPerConnection ?? 1024;
  // One above our own cap, so the core's silent eviction can never trigger.
  const relay = new NostrRelay(new MemoryEventRepository(options.maxStoredEvents), {
    maxSubscriptionsPerClient: maxSubscriptions + 1,
    logLevel: LogLevel.ERROR,
  });
  const validator = new Validator();
  const server = new WebSocketServer({
    host,
    port: options.port ?? 0,
    maxPayload: options.maxMessageBytes ?? 256 * 1024,
  });
  server.on('connection', (ws, request) => serveConnection(ws, request.socket.remoteAddress));
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;

  function serveConnection(ws: WebSocket, ip: string | undefined): void {
    const subscriptions = new Map<string, Filter[]>();
    const client: Client = {
      get readyState() {
        return ws.readyState;
      },
      send(data: string) {
        if (matchesSubscription(data, subscriptions)) ws.send(data);
      },
    };
    relay.handleConnection(client, ip);
    ws.on('message', (data) => void handleMessage(data));
    ws.on('close', () => relay.handleDisconnect(client));
    ws.on('error', () => ws.terminate()); // a broken client only loses its own connection

    async function handleMessage(data: RawData): Promise<void> {
      let message: IncomingMessage;
      try {
        message = await validator.validateIncomingMessage(data.toString());
      } catch (error) {
        answerInvalid(data, (error as Error).message);
        return;
      }
      if (message[0] === 'REQ') {
        const [, id, ...filters] = message;
        if (!subscriptions.has(id) && subscriptions.size >= maxSubscriptions) {
          ws.send(JSON.stringify(['CLOSED', id, `error: at most ${maxSubscriptions} subscriptions per connection`]));
          return;
        }
        subscriptions.set(id, filters as Filter[]);
      } else if (message[0] === 'CLOSE') {
        subscriptions.delete(message[1]);
      }
      try {
        await relay.handleMessage(client, message);
      } catch (error) {
        ws.send(JSON.stringify(['NOTICE', `error: ${(error as Error).message}`]));
      }
    }

    /** An invalid EVENT gets an OK false (publishers wait for it); anything else a NOTICE. */
    function answerInvalid(data: RawData, reason: string): void {
      const id = eventIdOf(data);
      ws.send(JSON.stringify(id === undefined ? ['NOTICE', reason] : ['OK', id, false, reason]));
    }
  }

  return {
    url: `ws://${host}:${port}`,
    port,
    async close() {
      for (const ws of server.clients) ws.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await relay.destroy();
    },
  };
}

/** Outgoing EVENT messages must match the filters of the subscription they are sent on. */
function matchesSubscription(data: string, subscriptions: Map<string, Filter[]>): boolean {
  if (!data.startsWith('["EVENT",')) return true;
  const [, id, event] = JSON.parse(data) as [string, string, NostrEvent];
  const filters = subscriptions.get(id);
  return filters !== undefined && matchFilters(filters, event);
}

function eventIdOf(data: RawData): string | undefined {
  try {
    const message: unknown = JSON.parse(data.toString());
    if (!Array.isArray(message) || message[0] !== 'EVENT') return undefined;
    const id: unknown = (message[1] as { id?: unknown } | null)?.id;
    return typeof id === 'string' && /^[0-9a-f]{64}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}
