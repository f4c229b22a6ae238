/**
 * Bounded in-memory event store for the dev relay. The login kinds are ephemeral and never reach it;
 * it exists so wallets that also publish ordinary events (profiles, relay lists) get real relay
 * behaviour: stored, replaced (NIP-01 replaceable and addressable kinds) and served back by REQ.
 */
import {
  EventRepository,
  EventType,
  EventUtils,
  type Event,
  type EventRepositoryUpsertResult,
  type Filter,
} from '@nostr-relay/common';
import { matchFilter, type Filter as NostrFilter } from 'nostr-tools/filter';

export class MemoryEventRepository extends EventRepository {
  /** Insertion order is age order, so the first key is the one to evict. */
  private readonly events = new Map<string, Event>();
  /** Replaceable address (kind:pubkey[:d]) → id of the version kept. */
  private readonly addresses = new Map<string, string>();

  constructor(private readonly maxEvents = 10_000) {
    super();
  }

  isSearchSupported(): boolean {
    return false;
  }

  upsert(event: Event): EventRepositoryUpsertResult {
    if (this.events.has(event.id)) return { isDuplicate: true };
    const address = addressOf(event);
    if (address !== undefined) {
      const current = this.events.get(this.addresses.get(address) ?? '');
      // NIP-01: keep the newest version; on a tie, the lowest id.
      if (
        current &&
        (current.created_at > event.created_at || (current.created_at === event.created_at && current.id < event.id))
      ) {
        return { isDuplicate: true };
      }
      if (current) this.events.delete(current.id);
      this.addresses.set(address, event.id);
    }
    this.events.set(event.id, event);
    if (this.events.size > this.maxEvents) this.evictOldest();
    return { isDuplicate: false };
  }

  find(filter: Filter): Event[] {
    const found: Event[] = [];
    for (const event of this.events.values()) {
      if (matchFilter(filter as NostrFilter, event)) found.push(event);
    }
    found.sort((a, b) => b.created_at - a.created_at);
    return filter.limit === undefined ? found : found.slice(0, filter.limit);
  }

  async destroy(): Promise<void> {
    this.events.clear();
    this.addresses.clear();
  }

  private evictOldest(): void {
    const [id, event] = this.events.entries().next().value as [string, Event];
    this.events.delete(id);
    const address = addressOf(event);
    if (address !== undefined && this.addresses.get(address) === id) this.addresses.delete(address);
  }
}

function addressOf(event: Event): string | undefined {
  const type = EventUtils.getType(event.kind);
  if (type === EventType.REPLACEABLE) return `${event.kind}:${event.pubkey}`;
  if (type === EventType.PARAMETERIZED_REPLACEABLE) {
    const d = event.tags.find((tag) => tag[0] === 'd')?.[1] ?? '';
    return `${event.kind}:${event.pubkey}:${d}`;
  }
  return undefined;
}
