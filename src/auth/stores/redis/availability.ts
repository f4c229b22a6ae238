/**
 * Whether the Redis store answers now, judged from its two connections and from every call: a dropped
 * connection or a failed call makes it unavailable; both connections ready and a call answered make it
 * available again. Each change is announced once (the gateway logs it and counts it in /readyz).
 */
import type { Redis } from 'ioredis';
import { Listeners } from '../listeners.js';
import type { StoreAvailability } from '../types.js';
import type { CallObserver } from './connection.js';

export class RedisAvailability implements CallObserver {
  readonly changes = new Listeners<StoreAvailability>();
  private up = true;
  private closing = false;
  /** The latest connection error, for the log line (never shown to clients). */
  private lastError: string | undefined;

  constructor(private readonly clients: readonly Redis[]) {
    for (const client of clients) {
      // Without an error listener ioredis would print every failed reconnection attempt.
      client.on('error', (error: unknown) => (this.lastError = describe(error)));
      client.on('close', () => this.failed(undefined));
      client.on('ready', () => this.succeeded());
    }
  }

  /** The reason of the latest connection failure, if any. */
  get error(): string | undefined {
    return this.lastError;
  }

  succeeded(): void {
    if (this.up || !this.clients.every((client) => client.status === 'ready')) return;
    this.up = true;
    this.changes.emit({ available: true });
  }

  failed(error: unknown): void {
    if (error !== undefined) this.lastError = describe(error);
    if (!this.up || this.closing) return;
    this.up = false;
    this.changes.emit({ available: false, reason: this.lastError ?? 'connection closed' });
  }

  /** Our own shutdown closes the connections: that is no outage. */
  close(): void {
    this.closing = true;
  }
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : String(error);
}
