/**
 * The subscriber connection: Redis pub/sub carries revocations and login changes between all
 * gateway instances on the same server and prefix. After a reconnect it resubscribes itself, then
 * announces a `resync` because messages published meanwhile are lost.
 */
import type { Redis } from 'ioredis';
import { Listeners } from '../listeners.js';
import type { RevocationEvent } from '../types.js';
import { parseRevocationMessage } from './codec.js';
import type { RedisKeys } from './keys.js';

export class RedisEvents {
  readonly revocations = new Listeners<RevocationEvent>();
  readonly logins = new Listeners<string>();

  private constructor(
    private readonly subscriber: Redis,
    private readonly keys: RedisKeys,
  ) {}

  /** Subscribes before returning, so no event published after this point is missed. */
  static async start(subscriber: Redis, keys: RedisKeys): Promise<RedisEvents> {
    const events = new RedisEvents(subscriber, keys);
    subscriber.on('message', (channel: string, message: string) => events.dispatch(channel, message));
    await events.subscribe();
    subscriber.on('ready', () => void events.resubscribe());
    return events;
  }

  get connected(): boolean {
    return this.subscriber.status === 'ready';
  }

  private subscribe(): Promise<unknown> {
    return this.subscriber.subscribe(this.keys.revocationChannel, this.keys.loginChannel);
  }

  private async resubscribe(): Promise<void> {
    try {
      await this.subscribe();
    } catch {
      // The connection dropped again; the next 'ready' retries.
      return;
    }
    this.revocations.emit({ kind: 'resync' });
  }

  private dispatch(channel: string, message: string): void {
    if (channel === this.keys.loginChannel) {
      this.logins.emit(message);
    } else if (channel === this.keys.revocationChannel) {
      const event = parseRevocationMessage(message);
      if (event) this.revocations.emit(event);
    }
  }
}
