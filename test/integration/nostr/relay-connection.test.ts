import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { NostrEvent } from 'nostr-tools/core';
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { RelayConnection, type RelayLifecycle, type SubscriptionHandler } from '../../../src/nostr/relay-connection.js';
import { backoffDelayMs, resumeFilters } from '../../../src/nostr/relay-resume.js';
import { startScriptedRelay, type ScriptedRelay } from '../../support/relay-scripted.js';
import { waitFor } from '../../support/relay-wait.js';

const author = generateSecretKey();
const authorKey = getPublicKey(author);

/** A plain JSON copy, as it arrives from a relay (finalizeEvent's object carries a "verified" mark). */
function event(kind: number, createdAt: number, content = 'x', tags: string[][] = []): NostrEvent {
  return JSON.parse(
    JSON.stringify(finalizeEvent({ kind, tags, content, created_at: createdAt }, author)),
  ) as NostrEvent;
}

function collector(filters: SubscriptionHandler['filters']) {
  const events: NostrEvent[] = [];
  let rejected = 0;
  const handler: SubscriptionHandler = { filters, onEvent: (e) => events.push(e), onRejected: () => rejected++ };
  return { handler, events, rejected: () => rejected };
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function relay(options: Parameters<typeof startScriptedRelay>[0] = {}): Promise<ScriptedRelay> {
  const started = await startScriptedRelay(options);
  cleanups.push(() => started.close());
  return started;
}

function connect(url: string, options: ConstructorParameters<typeof RelayConnection>[1] = {}): RelayConnection {
  const connection = new RelayConnection(url, { backoffInitialMs: 20, backoffMaxMs: 100, ...options });
  cleanups.push(() => connection.close());
  return connection;
}

describe('backoffDelayMs', () => {
  it('doubles per attempt up to the cap, jittered within the upper half of each step', () => {
    expect(backoffDelayMs(0, 500, 30_000, () => 0)).toBe(250);
    expect(backoffDelayMs(0, 500, 30_000, () => 0.999999)).toBe(500);
    expect(backoffDelayMs(3, 500, 30_000, () => 0.5)).toBe(3000);
    expect(backoffDelayMs(20, 500, 30_000, () => 0)).toBe(15_000);
    expect(backoffDelayMs(5000, 500, 30_000, () => 0.999999)).toBe(30_000);
    const delays = Array.from({ length: 200 }, () => backoffDelayMs(2, 100, 10_000, Math.random));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(200);
    expect(Math.max(...delays)).toBeLessThanOrEqual(400);
    expect(new Set(delays).size).toBeGreaterThan(20);
  });
});

describe('resumeFilters', () => {
  it('resumes from the newest second seen, not the one after it', () => {
    expect(resumeFilters([{ kinds: [1], authors: ['a'] }], 1_750_000_000)).toEqual([
      { kinds: [1], authors: ['a'], since: 1_750_000_000 },
    ]);
    expect(resumeFilters([{ '#p': ['a'] }], 5)).toEqual([{ '#p': ['a'], since: 5 }]);
    expect(resumeFilters([{ kinds: [1], since: 9 }], 5)).toEqual([{ kinds: [1], since: 9 }]);
    expect(resumeFilters([{ kinds: [1, 27001] }], 5)).toEqual([{ kinds: [1, 27001], since: 5 }]);
  });

  it('sends filters unchanged before any event, and ephemeral-only filters always', () => {
    expect(resumeFilters([{ kinds: [1] }], undefined)).toEqual([{ kinds: [1] }]);
    expect(resumeFilters([{ kinds: [27001, 27010], '#p': ['a'] }], 5)).toEqual([
      { kinds: [27001, 27010], '#p': ['a'] },
    ]);
  });
});

describe('RelayConnection', () => {
  it('delivers verified events that match the filters and rejects the rest', async () => {
    const r = await relay();
    const connection = connect(r.url);
    const sub = collector([{ kinds: [1], authors: [authorKey] }]);
    connection.subscribe('s1', sub.handler);
    await waitFor(() => connection.status().liveSubscriptions === 1, 'EOSE');

    const good = event(1, 1000);
    const badSignature = { ...event(1, 1001), sig: good.sig };
    const badId = { ...event(1, 1002), content: 'changed' };
    const otherKind = event(7, 1003);
    for (const e of [good, badSignature, badId, otherKind, null, 'text', { kind: 1 }]) r.inject(e);
    r.injectRaw(JSON.stringify(['EVENT', 'not-a-subscription', event(1, 1004)]));
    r.injectRaw('not json');
    r.injectRaw('{"an":"object"}');
    r.injectRaw('["OK"]');
    await waitFor(() => connection.status().counters.eventsReceived === 8, 'all events');

    expect(sub.events.map((e) => e.id)).toEqual([good.id]);
    expect(sub.rejected()).toBe(6);
    expect(connection.status()).toMatchObject({
      state: 'open',
      counters: { eventsReceived: 8, eventsAccepted: 1, eventsRejected: 7 },
      lastError: 'relay sent a message that is not a JSON array',
    });
  });

  it('reconnects after a drop and resubscribes from the newest second seen', async () => {
    const r = await relay();
    const connection = connect(r.url);
    const sub = collector([{ kinds: [1] }]);
    connection.subscribe('s1', sub.handler);
    await waitFor(() => connection.status().liveSubscriptions === 1, 'EOSE');
    r.inject(event(1, 1_750_000_000));
    r.inject(event(1, 1_749_999_990));
    await waitFor(() => sub.events.length === 2, 'two events');

    r.dropConnections();
    await waitFor(
      () => connection.status().counters.reconnects === 1 && connection.status().liveSubscriptions === 1,
      'resubscription',
    );
    const requests = r.received.filter((m) => m[0] === 'REQ');
    expect(requests).toEqual([
      ['REQ', 's1', { kinds: [1] }],
      ['REQ', 's1', { kinds: [1], since: 1_750_000_000 }],
    ]);
    expect(connection.status().state).toBe('open');
    expect(connection.status().lastError).toBe('connection closed (code 1006)');
  });

  it('never resumes from a second in the future', async () => {
    const r = await relay();
    const connection = connect(r.url);
    const sub = collector([{ kinds: [1] }]);
    connection.subscribe('s1', sub.handler);
    await waitFor(() => connection.status().liveSubscriptions === 1, 'EOSE');
    r.inject(event(1, 4_000_000_000));
    await waitFor(() => sub.events.length === 1, 'the future event');
    const beforeDropSec = Math.floor(Date.now() / 1000);
    r.dropConnections();
    await waitFor(
      () => connection.status().counters.reconnects === 1 && connection.status().liveSubscriptions === 1,
      'resubscription',
    );
    const since = (r.received.filter((m) => m[0] === 'REQ').at(-1)?.[2] as { since: number }).since;
    expect(since).toBeGreaterThanOrEqual(beforeDropSec - 1);
    expect(since).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  it('keeps retrying with backoff while the relay is down, and connects once it is up', async () => {
    const r = await relay();
    const port = r.port;
    await r.close();
    const connection = connect(`ws://127.0.0.1:${port}`);
    const sub = collector([{ kinds: [1] }]);
    connection.subscribe('s1', sub.handler);
    await waitFor(() => connection.status().state === 'backoff', 'backoff');
    expect(connection.status().lastError).toMatch(/ECONNREFUSED/);

    const revived = await relay({ port });
    await waitFor(() => connection.status().liveSubscriptions === 1, 'subscription after the relay came up');
    expect(revived.received).toEqual([['REQ', 's1', { kinds: [1] }]]);
    expect(connection.status().counters.reconnects).toBe(0);
  });

  it('announces each connection, each outage once, and each reconnection with its attempt count', async () => {
    const r = await relay();
    const port = r.port;
    await r.close();
    const changes: RelayLifecycle[] = [];
    const url = `ws://127.0.0.1:${port}`;
    const connection = connect(url, { onLifecycle: (change) => changes.push(change) });
    await waitFor(() => connection.status().counters.reconnects === 0 && changes.length === 1, 'first failure');
    // Several failed attempts while the relay is down: still one announcement.
    await new Promise((resolve) => setTimeout(resolve, 150));
    const revived = await relay({ port });
    await waitFor(() => connection.status().state === 'open', 'open');
    revived.dropConnections();
    await waitFor(() => connection.status().counters.reconnects === 1, 'reconnected');
    expect(changes.map(({ kind }) => kind)).toEqual(['disconnected', 'connected', 'disconnected', 'reconnected']);
    expect(changes[0]).toMatchObject({ url, attempt: 1, reason: expect.stringMatching(/ECONNREFUSED/) });
    expect(changes[1]!.attempt).toBeGreaterThan(1);
    expect(changes[2]).toMatchObject({ url, attempt: 0, reason: 'connection closed (code 1006)' });
    expect(changes[3]).toMatchObject({ url, attempt: 1 });
  });

  it('gives up a handshake that does not finish within the connect timeout', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket)); // accepts TCP, never answers HTTP
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          silent.close(() => resolve());
        }),
    );
    const port = (silent.address() as { port: number }).port;
    const connection = connect(`ws://127.0.0.1:${port}`, { connectTimeoutMs: 100 });
    await waitFor(() => connection.status().lastError !== undefined, 'handshake timeout');
    expect(connection.status().lastError).toMatch(/timed out/);
    expect(['backoff', 'connecting']).toContain(connection.status().state);
  });

  it('drops a relay that stops answering pings, then reconnects', async () => {
    const r = await relay({ autoPong: false });
    const connection = connect(r.url, { pingIntervalMs: 50 });
    await waitFor(() => connection.status().counters.reconnects >= 1, 'reconnect after missing pongs');
    expect(connection.status().lastError).toBe('no pong within 50 ms');
  });

  it('reports OK true, OK false with the reason, and no answer within the timeout', async () => {
    const answers = new Map<string, [boolean, string] | undefined>();
    const r = await relay({ answer: (e) => answers.get(e.id) });
    const connection = connect(r.url);
    await waitFor(() => connection.status().state === 'open', 'open');
    const [accepted, refused, ignored] = [event(1, 1), event(1, 2), event(1, 3)];
    answers.set(accepted.id, [true, '']);
    answers.set(refused.id, [false, 'blocked: not on the list']);

    await expect(connection.publish(accepted, 1000)).resolves.toEqual({ ok: true, reason: '' });
    await expect(connection.publish(refused, 1000)).resolves.toEqual({
      ok: false,
      reason: 'rejected: blocked: not on the list',
    });
    await expect(connection.publish(ignored, 100)).resolves.toEqual({ ok: false, reason: 'no answer within 100 ms' });
    expect(connection.status().counters).toMatchObject({ publishesOk: 1, publishesFailed: 2 });
  });

  it('holds a publish while the relay is down and sends it when a connection opens', async () => {
    const r = await relay();
    const port = r.port;
    await r.close();
    const connection = connect(`ws://127.0.0.1:${port}`);
    const published = connection.publish(event(1, 5), 5000);
    const again = connection.publish(event(1, 5), 5000); // the same event shares the wait
    await new Promise((resolve) => setTimeout(resolve, 100));
    const revived = await relay({ port });
    await expect(published).resolves.toEqual({ ok: true, reason: '' });
    await expect(again).resolves.toEqual({ ok: true, reason: '' });
    expect(revived.received.filter((m) => m[0] === 'EVENT')).toHaveLength(1);
  });

  it('names the relay state when a publish gets no answer, and fails waiting publishes on close', async () => {
    const r = await relay();
    const port = r.port;
    await r.close();
    const connection = new RelayConnection(`ws://127.0.0.1:${port}`, { backoffInitialMs: 20 });
    await expect(connection.publish(event(1, 6), 150)).resolves.toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^no answer within 150 ms \(relay (backoff|connecting): .*ECONNREFUSED/),
    });
    const pending = connection.publish(event(1, 7), 5000);
    connection.close();
    await expect(pending).resolves.toEqual({ ok: false, reason: 'connection closed by the pool' });
    await expect(connection.publish(event(1, 8), 5000)).resolves.toEqual({
      ok: false,
      reason: 'connection closed by the pool',
    });
    expect(connection.status().state).toBe('closed');
  });
});
