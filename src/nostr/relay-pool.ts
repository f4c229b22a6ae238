/**
 * A set of relay connections used as one: subscriptions go to every relay and each event reaches
 * the subscriber once (de-duplicated by id across relays, in bounded memory); a publish goes to
 * every relay and succeeds when at least one accepts it. Relays may be down at start or drop at any
 * time: each connection reconnects and resubscribes by itself.
 */
import { randomBytes } from 'node:crypto';
import type { NostrEvent } from 'nostr-tools/core';
import type { Filter } from 'nostr-tools/filter';
import { LRUCache } from 'lru-cache';
import { checkedRelayUrl } from '../config/relays.js';
import { RelayPublishFailed } from '../errors.js';
import {
  RelayConnection,
  type RelayConnectionOptions,
  type RelayStatus,
  type SubscriptionHandler,
} from './relay-connection.js';

export interface RelayPoolOptions extends RelayConnectionOptions {
  relays: readonly string[];
  /** How long a publish waits for the relays' OK. Default 10,000. */
  publishTimeoutMs?: number;
  /** Event ids remembered for de-duplication (per subscription and event). Default 100,000. */
  maxRememberedEvents?: number;
}

export interface SubscriptionStats {
  /** Delivered to the subscriber (first copy of each event). */
  delivered: number;
  /** Further copies of an event already delivered (from another relay or a resubscribe). */
  duplicates: number;
  /** Dropped by the relay checks: bad signature or id, or not matching the filters. */
  rejected: number;
}

export interface PoolSubscription {
  stats(): SubscriptionStats;
  close(): void;
}

export interface PublishResult {
  acceptedBy: string[];
}

export class RelayPool {
  private readonly connections = new Map<string, RelayConnection>();
  private readonly handlers = new Map<string, SubscriptionHandler>();
  private readonly seen: LRUCache<string, true>;
  private readonly connectionOptions: RelayConnectionOptions;
  private readonly publishTimeoutMs: number;
  /** Random prefix: subscription ids of two pools on one relay never collide. */
  private readonly idPrefix = randomBytes(4).toString('hex');
  private nextId = 0;

  constructor(options: RelayPoolOptions) {
    const { relays, publishTimeoutMs, maxRememberedEvents, ...connectionOptions } = options;
    this.connectionOptions = connectionOptions;
    this.publishTimeoutMs = publishTimeoutMs ?? 10_000;
    this.seen = new LRUCache({ max: maxRememberedEvents ?? 100_000 });
    for (const url of relays) this.addRelay(url);
  }

  /** Relay URLs in the pool. */
  get relays(): string[] {
    return [...this.connections.keys()];
  }

  /** Starts a connection to `url` (ws:// or wss://) carrying every live subscription; no-op if present. */
  addRelay(url: string): void {
    checkedRelayUrl(url);
    if (this.connections.has(url)) return;
    const connection = new RelayConnection(url, this.connectionOptions);
    this.connections.set(url, connection);
    for (const [id, handler] of this.handlers) connection.subscribe(id, handler);
  }

  removeRelay(url: string): void {
    this.connections.get(url)?.close();
    this.connections.delete(url);
  }

  /**
   * Subscribes on every relay. `onEvent` gets each verified, filter-matching event once, with the
   * URL of the relay that delivered it first.
   */
  subscribe(filters: Filter[], onEvent: (event: NostrEvent, relayUrl: string) => void): PoolSubscription {
    const id = `${this.idPrefix}-${this.nextId++}`;
    const stats: SubscriptionStats = { delivered: 0, duplicates: 0, rejected: 0 };
    const handler: SubscriptionHandler = {
      filters,
      onEvent: (event, relayUrl) => {
        const key = `${id}:${event.id}`;
        if (this.seen.has(key)) {
          stats.duplicates++;
          return;
        }
        this.seen.set(key, true);
        stats.delivered++;
        onEvent(event, relayUrl);
      },
      onRejected: () => void stats.rejected++,
    };
    this.handlers.set(id, handler);
    for (const connection of this.connections.values()) connection.subscribe(id, handler);
    return {
      stats: () => ({ ...stats }),
      close: () => {
        this.handlers.delete(id);
        for (const connection of this.connections.values()) connection.unsubscribe(id);
      },
    };
  }

  /**
   * Sends `event` to every relay and waits until each has answered or the timeout has passed.
   * Resolves with the relays that accepted it; throws RelayPublishFailed naming every relay and
   * its answer when none did.
   */
  async publish(event: NostrEvent, options: { timeoutMs?: number } = {}): Promise<PublishResult> {
    const timeoutMs = options.timeoutMs ?? this.publishTimeoutMs;
    const connections = [...this.connections.values()];
    const answers = await Promise.all(
      connections.map(async (c) => ({ relay: c.url, ...(await c.publish(event, timeoutMs)) })),
    );
    const acceptedBy = answers.filter((answer) => answer.ok).map((answer) => answer.relay);
    if (acceptedBy.length === 0) {
      throw new RelayPublishFailed(answers.map(({ relay, reason }) => ({ relay, reason })));
    }
    return { acceptedBy };
  }

  status(): RelayStatus[] {
    return [...this.connections.values()].map((connection) => connection.status());
  }

  /** Closes every connection; the pool cannot be used afterwards. */
  close(): void {
    for (const connection of this.connections.values()) connection.close();
    this.connections.clear();
    this.handlers.clear();
    this.seen.clear();
  }
}
