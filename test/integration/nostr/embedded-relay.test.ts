import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { NostrEvent } from 'nostr-tools/core';
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import {
  startEmbeddedRelay,
  type EmbeddedRelay,
  type EmbeddedRelayOptions,
} from '../../../src/nostr/embedded-relay.js';
import { waitFor } from '../../support/relay-wait.js';

const author = generateSecretKey();
const keys = Array.from({ length: 30 }, () => getPublicKey(generateSecretKey()));

function event(
  kind: number,
  tags: string[][] = [],
  createdAt = Math.floor(Date.now() / 1000),
  content = 'x',
): NostrEvent {
  return JSON.parse(
    JSON.stringify(finalizeEvent({ kind, tags, content, created_at: createdAt }, author)),
  ) as NostrEvent;
}

/** A bare NIP-01 client that records every message. */
class RawClient {
  readonly messages: unknown[][] = [];
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => this.messages.push(JSON.parse(data.toString()) as unknown[]));
  }
  static async open(url: string): Promise<RawClient> {
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const client = new RawClient(ws);
    cleanups.push(() => ws.terminate());
    return client;
  }
  send(...message: unknown[]): void {
    this.ws.send(JSON.stringify(message));
  }
  sendRaw(text: string): void {
    this.ws.send(text);
  }
  async subscribe(id: string, ...filters: object[]): Promise<void> {
    this.send('REQ', id, ...filters);
    await waitFor(
      () => this.messages.some((m) => (m[0] === 'EOSE' || m[0] === 'CLOSED') && m[1] === id),
      `EOSE for ${id}`,
    );
  }
  async publish(e: unknown): Promise<unknown[]> {
    const id = (e as { id: string }).id;
    this.send('EVENT', e);
    await waitFor(() => this.messages.some((m) => m[0] === 'OK' && m[1] === id), 'OK');
    return this.messages.find((m) => m[0] === 'OK' && m[1] === id)!;
  }
  events(subscription: string): string[] {
    return this.messages.filter((m) => m[0] === 'EVENT' && m[1] === subscription).map((m) => (m[2] as NostrEvent).id);
  }
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function relay(options: EmbeddedRelayOptions = {}): Promise<EmbeddedRelay> {
  const started = await startEmbeddedRelay(options);
  cleanups.push(() => started.close());
  return started;
}

describe('dev relay', () => {
  it('listens on 127.0.0.1 and a free port by default', async () => {
    const r = await relay();
    expect(r.url).toBe(`ws://127.0.0.1:${r.port}`);
    expect(r.port).toBeGreaterThan(0);
  });

  it('applies #p filters to live events (the core alone sends them to every subscriber)', async () => {
    const r = await relay();
    const [forA, forB, publisher] = [
      await RawClient.open(r.url),
      await RawClient.open(r.url),
      await RawClient.open(r.url),
    ];
    await forA.subscribe('a', { kinds: [27000], '#p': [keys[0]] });
    await forB.subscribe('b', { kinds: [27000], '#p': [keys[1]] });
    const toA = event(27000, [['p', keys[0]!]]);
    expect(await publisher.publish(toA)).toEqual(['OK', toA.id, true, '']);
    await waitFor(() => forA.events('a').length === 1, 'delivery to A');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(forA.events('a')).toEqual([toA.id]);
    expect(forB.events('b')).toEqual([]);
  });

  it('keeps more than 20 subscriptions per connection live', async () => {
    const r = await relay();
    const [subscriber, publisher] = [await RawClient.open(r.url), await RawClient.open(r.url)];
    for (let i = 0; i < 30; i++) await subscriber.subscribe(`s${i}`, { kinds: [27010], '#p': [keys[i]] });
    const toFirst = event(27010, [['p', keys[0]!]]);
    const toLast = event(27010, [['p', keys[29]!]]);
    await publisher.publish(toFirst);
    await publisher.publish(toLast);
    await waitFor(
      () => subscriber.events('s0').length === 1 && subscriber.events('s29').length === 1,
      'both deliveries',
    );
    expect(subscriber.messages.filter((m) => m[0] === 'EVENT')).toHaveLength(2);
  });

  it('refuses a subscription over the cap with CLOSED instead of dropping an older one', async () => {
    const r = await relay({ maxSubscriptionsPerConnection: 2 });
    const [subscriber, publisher] = [await RawClient.open(r.url), await RawClient.open(r.url)];
    await subscriber.subscribe('s0', { kinds: [27010], '#p': [keys[0]] });
    await subscriber.subscribe('s1', { kinds: [27010], '#p': [keys[1]] });
    await subscriber.subscribe('s2', { kinds: [27010], '#p': [keys[2]] });
    expect(subscriber.messages).toContainEqual(['CLOSED', 's2', 'error: at most 2 subscriptions per connection']);
    await subscriber.subscribe('s1', { kinds: [27010], '#p': [keys[2]] }); // replacing one is fine
    await publisher.publish(event(27010, [['p', keys[0]!]]));
    await publisher.publish(event(27010, [['p', keys[2]!]]));
    await waitFor(() => subscriber.events('s0').length === 1 && subscriber.events('s1').length === 1, 'deliveries');
    expect(subscriber.events('s2')).toEqual([]);
  });

  it('answers invalid events with OK false and other garbage with NOTICE, and keeps serving', async () => {
    const r = await relay();
    const client = await RawClient.open(r.url);
    const good = event(27000, [['p', keys[0]!]]);
    const forged = { ...event(27000, [['p', keys[0]!]], undefined, 'forged'), sig: good.sig };
    expect(await client.publish(forged)).toEqual(['OK', forged.id, false, 'invalid: signature is wrong']);
    const badShape = { ...good, kind: 'x' };
    expect(await client.publish(badShape)).toEqual(['OK', good.id, false, expect.stringMatching(/^invalid/)]);
    client.sendRaw('not json');
    client.send('HELLO');
    await waitFor(() => client.messages.filter((m) => m[0] === 'NOTICE').length === 2, 'two notices');
    const after = event(27000, [['p', keys[0]!]], undefined, 'after the garbage');
    expect(await client.publish(after)).toEqual(['OK', after.id, true, '']);
  });

  it('stores regular events, keeps the newest replaceable one, and never stores ephemeral ones', async () => {
    const r = await relay();
    const client = await RawClient.open(r.url);
    const note = event(1, [], 1000);
    const oldProfile = event(0, [], 2000, '{"name":"old"}');
    const newProfile = event(0, [], 2001, '{"name":"new"}');
    const ephemeral = event(27000, [['p', keys[0]!]], 3000);
    for (const e of [note, newProfile, oldProfile, ephemeral]) expect((await client.publish(e))[2]).toBe(true);
    await client.subscribe('q', { kinds: [0, 1, 27000] });
    expect(client.events('q')).toEqual([newProfile.id, note.id]);
  });

  it('evicts the oldest stored events beyond its bound', async () => {
    const r = await relay({ maxStoredEvents: 2 });
    const client = await RawClient.open(r.url);
    const notes = [event(1, [], 10, 'a'), event(1, [], 11, 'b'), event(1, [], 12, 'c')];
    for (const e of notes) await client.publish(e);
    await client.subscribe('q', { kinds: [1] });
    expect(client.events('q')).toEqual([notes[2]!.id, notes[1]!.id]);
  });

  it('drops every client on close', async () => {
    const r = await startEmbeddedRelay();
    const client = await RawClient.open(r.url);
    const closed = new Promise((resolve) => (client as unknown as { ws: WebSocket }).ws.once('close', resolve));
    await r.close();
    await closed;
  });
});
