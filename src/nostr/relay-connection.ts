/**
 * One WebSocket to one relay, kept alive: connect timeout, exponential backoff with jitter, a ping
 * to notice dead peers, and every live subscription sent again after a reconnect. Events are
 * checked here (signature, and the subscription's own filters, since relays may lie: docs/protocol.md 4.6)
 * so each relay's counters say how well it behaves.
 */
import WebSocket from 'ws';
import type { NostrEvent } from 'nostr-tools/core';
import { matchFilters, type Filter } from 'nostr-tools/filter';
import { verifyEvent } from 'nostr-tools/pure';
import { PendingPublishes, type PublishAnswer } from './relay-publishes.js';
import { backoffDelayMs, resumeFilters } from './relay-resume.js';

export type { PublishAnswer };

export type RelayState = 'connecting' | 'open' | 'closed' | 'backoff';

export interface RelayCounters {
  eventsReceived: number;
  eventsAccepted: number;
  /** Bad signature or id, not matching the subscription's filters, or for no live subscription. */
  eventsRejected: number;
  /** Connections opened after the first one. */
  reconnects: number;
  publishesOk: number;
  publishesFailed: number;
}

export interface RelayStatus {
  url: string;
  state: RelayState;
  /** Subscriptions the relay has confirmed (EOSE) on the current connection: events reach them now. */
  liveSubscriptions: number;
  counters: RelayCounters;
  lastError?: string;
}

/**
 * A connection coming up or going down: `connected` the first time, `reconnected` after an outage,
 * `disconnected` once per outage (a drop, or a relay that cannot be reached). `attempt` counts the
 * connection attempts since the last open connection.
 */
export interface RelayLifecycle {
  url: string;
  kind: 'connected' | 'reconnected' | 'disconnected';
  attempt: number;
  reason?: string;
}

export interface RelayConnectionOptions {
  /** TCP + WebSocket handshake. Default 5,000. */
  connectTimeoutMs?: number;
  /** First retry delay; doubles per failed attempt up to `backoffMaxMs`. Default 500. */
  backoffInitialMs?: number;
  /** Default 30,000. */
  backoffMaxMs?: number;
  /** A relay that does not answer a ping within this interval is dropped and reconnected. Default 30,000. */
  pingIntervalMs?: number;
  /** Largest message accepted from a relay. Default 4 MiB. */
  maxMessageBytes?: number;
  /** Jitter source in [0, 1); tests make it deterministic. */
  random?: () => number;
  /** Told when the connection comes up or goes down (the gateway logs it). */
  onLifecycle?: (change: RelayLifecycle) => void;
}

/** Callbacks of one subscription; `onEvent` only ever sees verified events that match `filters`. */
export interface SubscriptionHandler {
  filters: Filter[];
  onEvent(event: NostrEvent, relayUrl: string): void;
  onRejected(relayUrl: string): void;
}

interface LiveSubscription {
  handler: SubscriptionHandler;
  /** The relay answered EOSE on the current connection. */
  confirmed: boolean;
  /** created_at of the newest event accepted, to resume from after a reconnect. */
  newestSec?: number;
}

/** A connection open this long counts as healthy: the next drop restarts the backoff from the start. */
const STABLE_AFTER_MS = 10_000;

export class RelayConnection {
  readonly url: string;
  private readonly options: Required<RelayConnectionOptions>;
  private readonly subscriptions = new Map<string, LiveSubscription>();
  private readonly publishes = new PendingPublishes(
    (answer) => void this.counters[answer.ok ? 'publishesOk' : 'publishesFailed']++,
  );
  private readonly counters: RelayCounters = {
    eventsReceived: 0,
    eventsAccepted: 0,
    eventsRejected: 0,
    reconnects: 0,
    publishesOk: 0,
    publishesFailed: 0,
  };
  private state: RelayState = 'connecting';
  private lastError: string | undefined;
  private socket: WebSocket | undefined;
  private attempt = 0;
  /** Connection attempts since the last open connection (backoff's `attempt` restarts differently). */
  private attemptsSinceOpen = 0;
  /** The current outage has been announced. */
  private reportedDown = false;
  private openedAtMs: number | undefined;
  private everOpened = false;
  private awaitingPong = false;
  /** Why we dropped the socket ourselves, shown instead of the generic close reason. */
  private dropReason: string | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;

  constructor(url: string, options: RelayConnectionOptions = {}) {
    this.url = url;
    this.options = {
      connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
      backoffInitialMs: options.backoffInitialMs ?? 500,
      backoffMaxMs: options.backoffMaxMs ?? 30_000,
      pingIntervalMs: options.pingIntervalMs ?? 30_000,
      maxMessageBytes: options.maxMessageBytes ?? 4 * 1024 * 1024,
      random: options.random ?? Math.random,
      onLifecycle: options.onLifecycle ?? (() => {}),
    };
    this.connect();
  }

  subscribe(id: string, handler: SubscriptionHandler): void {
    this.subscriptions.set(id, { handler, confirmed: false });
    this.send(['REQ', id, ...handler.filters]);
  }

  unsubscribe(id: string): void {
    if (this.subscriptions.delete(id)) this.send(['CLOSE', id]);
  }

  /**
   * Sends `event` and waits for the relay's OK. While the relay is down the event waits and goes
   * out as soon as a connection opens (also again after a drop), until `timeoutMs` runs out.
   */
  publish(event: NostrEvent, timeoutMs: number): Promise<PublishAnswer> {
    if (this.state === 'closed') return Promise.resolve({ ok: false, reason: 'connection closed by the pool' });
    const { promise, isNew } = this.publishes.track(event, timeoutMs, () => this.noAnswerReason(timeoutMs));
    if (isNew) this.send(['EVENT', event]);
    return promise;
  }

  status(): RelayStatus {
    let liveSubscriptions = 0;
    for (const subscription of this.subscriptions.values()) if (subscription.confirmed) liveSubscriptions++;
    const status: RelayStatus = { url: this.url, state: this.state, liveSubscriptions, counters: { ...this.counters } };
    if (this.lastError !== undefined) status.lastError = this.lastError;
    return status;
  }

  /** Closes for good: no reconnect; waiting publishes fail at once. */
  close(): void {
    this.state = 'closed';
    clearTimeout(this.retryTimer);
    this.stopPing();
    this.socket?.terminate();
    this.socket = undefined;
    this.publishes.failAll('connection closed by the pool');
    this.subscriptions.clear();
  }

  private connect(): void {
    this.state = 'connecting';
    this.attemptsSinceOpen++;
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.url, {
        handshakeTimeout: this.options.connectTimeoutMs,
        maxPayload: this.options.maxMessageBytes,
      });
    } catch (error) {
      this.lastError = `cannot connect: ${(error as Error).message}`;
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    let socketError: string | undefined;
    socket.on('open', () => this.onOpen());
    socket.on('message', (data) => this.onMessage(data.toString()));
    socket.on('pong', () => (this.awaitingPong = false));
    socket.on('error', (error) => (socketError = this.lastError = error.message));
    socket.on('close', (code) => this.onClose(socket, socketError ?? `connection closed (code ${code})`));
  }

  private onOpen(): void {
    this.state = 'open';
    this.openedAtMs = Date.now();
    if (this.everOpened) this.counters.reconnects++;
    this.options.onLifecycle({
      url: this.url,
      kind: this.everOpened ? 'reconnected' : 'connected',
      attempt: this.attemptsSinceOpen,
    });
    this.attemptsSinceOpen = 0;
    this.reportedDown = false;
    this.everOpened = true;
    for (const [id, subscription] of this.subscriptions) {
      this.send(['REQ', id, ...resumeFilters(subscription.handler.filters, subscription.newestSec)]);
    }
    for (const event of this.publishes.events()) this.send(['EVENT', event]);
    this.awaitingPong = false;
    this.pingTimer = setInterval(() => this.ping(), this.options.pingIntervalMs);
    this.pingTimer.unref();
  }

  private ping(): void {
    if (this.awaitingPong) {
      this.dropReason = `no pong within ${this.options.pingIntervalMs} ms`;
      this.socket?.terminate();
      return;
    }
    this.awaitingPong = true;
    this.socket?.ping();
  }

  private stopPing(): void {
    clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }

  private onClose(socket: WebSocket, reason: string): void {
    if (socket !== this.socket || this.state === 'closed') return;
    this.lastError = this.dropReason ?? reason;
    this.dropReason = undefined;
    this.socket = undefined;
    this.stopPing();
    if (this.openedAtMs !== undefined && Date.now() - this.openedAtMs >= STABLE_AFTER_MS) this.attempt = 0;
    this.openedAtMs = undefined;
    for (const subscription of this.subscriptions.values()) subscription.confirmed = false;
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    this.state = 'backoff';
    if (!this.reportedDown) {
      this.reportedDown = true;
      this.options.onLifecycle({
        url: this.url,
        kind: 'disconnected',
        attempt: this.attemptsSinceOpen,
        ...(this.lastError ? { reason: this.lastError } : {}),
      });
    }
    const delayMs = backoffDelayMs(
      this.attempt++,
      this.options.backoffInitialMs,
      this.options.backoffMaxMs,
      this.options.random,
    );
    this.retryTimer = setTimeout(() => this.connect(), delayMs);
    this.retryTimer.unref();
  }

  private send(message: unknown[]): void {
    if (this.state === 'open') this.socket?.send(JSON.stringify(message));
  }

  private onMessage(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      message = undefined;
    }
    if (!Array.isArray(message)) {
      this.lastError = 'relay sent a message that is not a JSON array';
      return;
    }
    const [type, first, second, third] = message as unknown[];
    if (type === 'EVENT') this.onEvent(first, second);
    else if (type === 'OK' && typeof first === 'string') {
      const said = typeof third === 'string' ? third : '';
      this.publishes.answer(
        first,
        second === true ? { ok: true, reason: said } : { ok: false, reason: `rejected: ${said || 'no reason given'}` },
      );
    } else if (type === 'EOSE' && typeof first === 'string') {
      const subscription = this.subscriptions.get(first);
      if (subscription) subscription.confirmed = true;
    } else if (type === 'CLOSED' && typeof first === 'string' && this.subscriptions.has(first)) {
      this.subscriptions.get(first)!.confirmed = false;
      this.lastError = `relay closed subscription ${first}: ${String(second)}`;
    } else if (type === 'NOTICE') {
      this.lastError = `notice: ${String(first)}`;
    }
  }

  private onEvent(subscriptionId: unknown, event: unknown): void {
    this.counters.eventsReceived++;
    const subscription = typeof subscriptionId === 'string' ? this.subscriptions.get(subscriptionId) : undefined;
    if (!subscription) {
      this.counters.eventsRejected++;
      return;
    }
    const { handler } = subscription;
    // verifyEvent checks the shape, the id (hash) and the BIP-340 signature of an object.
    const valid = typeof event === 'object' && event !== null && verifyEvent(event as NostrEvent);
    if (!valid || !matchFilters(handler.filters, event as NostrEvent)) {
      this.counters.eventsRejected++;
      handler.onRejected(this.url);
      return;
    }
    const verified = event as NostrEvent;
    this.counters.eventsAccepted++;
    // Clamped to now: one event stamped in the future must not make the resumed REQ skip everything until then.
    subscription.newestSec = Math.max(
      subscription.newestSec ?? 0,
      Math.min(verified.created_at, Math.floor(Date.now() / 1000)),
    );
    try {
      handler.onEvent(verified, this.url);
    } catch (error) {
      this.lastError = `subscriber failed: ${(error as Error).message}`;
    }
  }

  private noAnswerReason(timeoutMs: number): string {
    const state = this.state === 'open' ? '' : ` (relay ${this.state}${this.lastError ? `: ${this.lastError}` : ''})`;
    return `no answer within ${timeoutMs} ms${state}`;
  }
}
