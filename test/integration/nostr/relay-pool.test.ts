import { afterEach, describe, expect, it } from 'vitest';
import type { NostrEvent } from 'nostr-tools/core';
import { finalizeEvent, generateSecretKey } from 'nostr-tools/pure';
import { InvalidArgument, RelayPublishFailed } from '../../../src/errors.js';
import { RelayPool, type RelayPoolOptions } from '../../../src/nostr/relay-pool.js';
import { startScriptedRelay, type ScriptedRelay, type ScriptedRelayOptions } from '../../support/relay-scripted.js';
import { waitFor, waitForLive } from '../../support/relay-wait.js';

const author = generateSecretKey();

function event(kind: number, createdAt: number, content = 'x'): NostrEvent {
  return JSON.parse(
    JSON.stringify(finalizeEvent({ kind, tags: [], content, created_at: createdAt }, author)),
  ) as NostrEvent;
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function relay(options: ScriptedRelayOptions = {}): Promise<ScriptedRelay> {
  const started = await startScriptedRelay(options);
  cleanups.push(() => started.close());
  return started;
}

async function closedPortUrl(): Promise<{ url: string; port: number }> {
  const r = await startScriptedRelay();
  await r.close();
  return { url: r.url, port: r.port };
}

function pool(options: RelayPoolOptions): RelayPool {
  const created = new RelayPool({ backoffInitialMs: 20, backoffMaxMs: 100, ...options });
  cleanups.push(() => created.close());
  return created;
}

function collect(p: RelayPool, filters: Parameters<RelayPool['subscribe']>[0]) {
  const received: { id: string; relay: string }[] = [];
  const subscription = p.subscribe(filters, (e, relayUrl) => received.push({ id: e.id, relay: relayUrl }));
  return { received, subscription };
}

describe('RelayPool subscriptions', () => {
  it('delivers an event seen on two relays once', async () => {
    const [a, b] = [await relay(), await relay()];
    const p = pool({ relays: [a.url, b.url] });
    const { received, subscription } = collect(p, [{ kinds: [1] }]);
    await waitForLive(p, 1);
    const e = event(1, 100);
    a.inject(e);
    b.inject(e);
    await waitFor(() => subscription.stats().duplicates === 1, 'the second copy');
    expect(received).toEqual([{ id: e.id, relay: expect.stringMatching(new RegExp(`^(${a.url}|${b.url})$`)) }]);
    expect(subscription.stats()).toEqual({ delivered: 1, duplicates: 1, rejected: 0 });
  });

  it('loses no event stamped in the same second as the last one seen before a reconnect', async () => {
    const r = await relay();
    const p = pool({ relays: [r.url] });
    const { received, subscription } = collect(p, [{ kinds: [1] }]);
    await waitForLive(p, 1);
    const first = event(1, 1_750_000_000, 'first');
    const sameSecond = event(1, 1_750_000_000, 'same second');
    r.inject(first);
    await waitFor(() => received.length === 1, 'first event');

    r.dropConnections();
    await waitFor(
      () => p.status()[0]!.counters.reconnects === 1 && p.status()[0]!.liveSubscriptions === 1,
      'resubscription',
    );
    expect(r.received.filter((m) => m[0] === 'REQ').at(-1)?.[2]).toEqual({ kinds: [1], since: 1_750_000_000 });
    r.inject(first); // what a relay replays for since = that second
    r.inject(sameSecond);
    await waitFor(() => received.length === 2, 'the same-second event');
    expect(received.map((x) => x.id)).toEqual([first.id, sameSecond.id]);
    expect(subscription.stats()).toEqual({ delivered: 2, duplicates: 1, rejected: 0 });
  });

  it('delivers an event to every subscription it matches, and counts rejected events per subscription', async () => {
    const r = await relay();
    const p = pool({ relays: [r.url] });
    const kind1 = collect(p, [{ kinds: [1] }]);
    const any = collect(p, [{}]);
    await waitForLive(p, 2);
    const e = event(1, 5);
    r.inject(e);
    r.inject({ ...event(1, 6), sig: e.sig });
    r.inject(event(2, 7));
    await waitFor(() => any.received.length === 2 && kind1.subscription.stats().rejected === 2, 'deliveries');
    expect(kind1.received.map((x) => x.id)).toEqual([e.id]);
    expect(kind1.subscription.stats()).toEqual({ delivered: 1, duplicates: 0, rejected: 2 });
    expect(any.subscription.stats()).toEqual({ delivered: 2, duplicates: 0, rejected: 1 });
  });

  it('remembers a bounded number of event ids', async () => {
    const r = await relay();
    const p = pool({ relays: [r.url], maxRememberedEvents: 2 });
    const { received, subscription } = collect(p, [{ kinds: [1] }]);
    await waitForLive(p, 1);
    const [e1, e2, e3] = [event(1, 1), event(1, 2), event(1, 3)];
    for (const e of [e1, e2, e1, e3, e1]) r.inject(e);
    await waitFor(() => subscription.stats().delivered + subscription.stats().duplicates === 5, 'all copies');
    // e1 is a duplicate while remembered, and new again once e2 and e3 have pushed it out.
    expect(received.map((x) => x.id)).toEqual([e1.id, e2.id, e3.id, e1.id]);
  });

  it('stops delivering after close and tells the relay', async () => {
    const r = await relay();
    const p = pool({ relays: [r.url] });
    const { received, subscription } = collect(p, [{ kinds: [1] }]);
    await waitForLive(p, 1);
    subscription.close();
    await waitFor(() => r.received.some((m) => m[0] === 'CLOSE'), 'CLOSE');
    r.injectRaw(JSON.stringify(['EVENT', r.received[0]![1], event(1, 9)]));
    await waitFor(() => p.status()[0]!.counters.eventsReceived === 1, 'the late event');
    expect(received).toEqual([]);
  });

  it('starts with no relay reachable and recovers by itself when one comes up', async () => {
    const down = await closedPortUrl();
    const p = pool({ relays: [down.url], publishTimeoutMs: 200 });
    const { received } = collect(p, [{ kinds: [1] }]);
    const failure = await p.publish(event(1, 10)).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RelayPublishFailed);
    expect((failure as RelayPublishFailed).message).toMatch(
      new RegExp(`${down.url}: no answer within 200 ms \\(relay (backoff|connecting): .*ECONNREFUSED`),
    );

    const r = await relay({ port: down.port });
    await waitForLive(p, 1);
    r.inject(event(1, 11));
    await waitFor(() => received.length === 1, 'event after recovery');
    await expect(p.publish(event(1, 12))).resolves.toEqual({ acceptedBy: [down.url] });
  });
});

describe('RelayPool publish', () => {
  it('succeeds when at least one relay accepts', async () => {
    const yes = await relay();
    const no = await relay({ answer: () => [false, 'blocked: nope'] });
    const down = await closedPortUrl();
    const p = pool({ relays: [yes.url, no.url, down.url], publishTimeoutMs: 300 });
    await expect(p.publish(event(1, 20))).resolves.toEqual({ acceptedBy: [yes.url] });
    const byUrl = Object.fromEntries(p.status().map((s) => [s.url, s.counters]));
    expect(byUrl[yes.url]).toMatchObject({ publishesOk: 1, publishesFailed: 0 });
    expect(byUrl[no.url]).toMatchObject({ publishesOk: 0, publishesFailed: 1 });
    expect(byUrl[down.url]).toMatchObject({ publishesOk: 0, publishesFailed: 1 });
  });

  it('throws RelayPublishFailed naming every relay and why when none accepts', async () => {
    const no = await relay({ answer: () => [false, 'rate-limited: slow down'] });
    const silent = await relay({ answer: () => undefined });
    const p = pool({ relays: [no.url, silent.url], publishTimeoutMs: 150 });
    await waitFor(() => p.status().every((s) => s.state === 'open'), 'both relays open');
    const error = (await p.publish(event(1, 21)).catch((e: unknown) => e)) as RelayPublishFailed;
    expect(error).toBeInstanceOf(RelayPublishFailed);
    expect(error.code).toBe('ERR_RELAY_PUBLISH');
    expect(error.failures).toEqual([
      { relay: no.url, reason: 'rejected: rate-limited: slow down' },
      { relay: silent.url, reason: expect.stringMatching(/^no answer within 150 ms/) },
    ]);
    expect(error.message).toContain(no.url);
    expect(error.message).toContain(silent.url);
    await expect(pool({ relays: [] }).publish(event(1, 22))).rejects.toThrow(
      'no relay accepted the event (no relay configured)',
    );
  });
});

describe('RelayPool relays', () => {
  it('adds relays with every live subscription, removes them, and refuses URLs that are not ws(s)', async () => {
    const [a, b] = [await relay(), await relay()];
    const p = pool({ relays: [a.url] });
    collect(p, [{ kinds: [1] }]);
    collect(p, [{ kinds: [2] }]);
    p.addRelay(b.url);
    p.addRelay(b.url);
    expect(p.relays).toEqual([a.url, b.url]);
    await waitForLive(p, 2);
    expect(b.received.filter((m) => m[0] === 'REQ').map((m) => m[2])).toEqual([{ kinds: [1] }, { kinds: [2] }]);

    p.removeRelay(a.url);
    expect(p.status().map((s) => s.url)).toEqual([b.url]);
    await waitFor(() => a.connectionCount() === 0, 'the removed relay to be disconnected');
    for (const bad of ['http://relay.example', 'relay.example', '', 'wss//x'])
      expect(() => p.addRelay(bad)).toThrow(InvalidArgument);
    expect(() => new RelayPool({ relays: ['ftp://x'] })).toThrow(InvalidArgument);
    p.close();
    expect(p.status()).toEqual([]);
  });
});
