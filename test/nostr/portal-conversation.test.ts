/**
 * Unit tests of the authenticator against an in-memory pool (the integration tests run it against
 * real relay processes and the rust-nostr wallet). The wallet side is played with nostr-tools here.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { NostrEvent } from 'nostr-tools/core';
import { matchFilters, type Filter } from 'nostr-tools/filter';
import { decrypt as nip44Decrypt, encrypt as nip44Encrypt, getConversationKey } from 'nostr-tools/nip44';
import { finalizeEvent, generateSecretKey, getPublicKey, verifyEvent } from 'nostr-tools/pure';
import { InvalidArgument, LoginCapacityExceeded, RelayPublishFailed } from '../../src/errors.js';
import { generateKeyPair, parseSecretKey } from '../../src/keys/nostr-keys.js';
import { parseHandshakeUrl } from '../../src/nostr/handshake-url.js';
import {
  PortalConversation,
  type LoginRelayPool,
  type PortalConversationOptions,
} from '../../src/nostr/portal-conversation.js';
import { RelayPool } from '../../src/nostr/relay-pool.js';
import { deriveSubkeySecret, type WalletSubkey } from '../support/wallet.js';

const RELAYS = ['ws://127.0.0.1:7777', 'wss://relay.example/x'];
const service = generateKeyPair();
/** The service key as createGateway hands it to the conversation. */
const serviceKeys = { secretKey: parseSecretKey(service.secretKey), publicKey: service.publicKey };

/** Routes delivered events to subscriptions whose filters match, as the real pool does after its checks. */
class MemoryPool implements LoginRelayPool {
  readonly subscriptions: {
    filters: Filter[];
    onEvent: (event: NostrEvent, relay: string) => void;
    closed: boolean;
  }[] = [];
  readonly published: NostrEvent[] = [];
  failure: Error | undefined;

  subscribe(filters: Filter[], onEvent: (event: NostrEvent, relay: string) => void) {
    const subscription = { filters, onEvent, closed: false };
    this.subscriptions.push(subscription);
    return {
      stats: () => ({ delivered: 0, duplicates: 0, rejected: 0 }),
      close: () => void (subscription.closed = true),
    };
  }

  async publish(event: NostrEvent) {
    this.published.push(event);
    if (this.failure) throw this.failure;
    return { acceptedBy: ['memory'] };
  }

  deliver(event: NostrEvent): void {
    for (const s of this.subscriptions) if (!s.closed && matchFilters(s.filters, event)) s.onEvent(event, 'memory');
  }
}

function setup(options: Partial<PortalConversationOptions> = {}) {
  const pool = new MemoryPool();
  const auth = new PortalConversation({ pool, service: serviceKeys, relays: RELAYS, ...options });
  return { pool, auth };
}

interface Sealed {
  /** Encrypt to this key instead of the service. */
  to?: string;
  /** Send the content as it is. */
  raw?: boolean;
  createdAtSec?: number;
}

function send(pool: MemoryPool, secret: Uint8Array, kind: number, content: unknown, options: Sealed = {}): NostrEvent {
  const text = typeof content === 'string' ? content : JSON.stringify(content);
  const sealed = options.raw ? text : nip44Encrypt(text, getConversationKey(secret, options.to ?? service.publicKey));
  const event = finalizeEvent(
    {
      kind,
      tags: [['p', service.publicKey]],
      content: sealed,
      created_at: options.createdAtSec ?? Math.floor(Date.now() / 1000),
    },
    secret,
  );
  pool.deliver(event);
  return event;
}

function handshake(pool: MemoryPool, secret: Uint8Array, token: string, options: Sealed = {}): void {
  send(
    pool,
    secret,
    27010,
    { client_info: { name: 'Portal', version: '0.1.0' }, preferred_relays: ['wss://mine.example'], token },
    options,
  );
}

/** The challenge text of the last AUTH_CHALLENGE published, read as the wallet does. */
function lastChallenge(
  pool: MemoryPool,
  walletSecret: Uint8Array,
): { event: NostrEvent; content: Record<string, unknown> } {
  const event = pool.published.at(-1)!;
  return {
    event,
    content: JSON.parse(nip44Decrypt(event.content, getConversationKey(walletSecret, event.pubkey))) as Record<
      string,
      unknown
    >,
  };
}

function respond(
  pool: MemoryPool,
  secret: Uint8Array,
  challenge: string,
  status: object,
  extra: object = {},
  options: Sealed = {},
): void {
  send(pool, secret, 27001, { challenge, status, subkey_proof: null, ...extra }, options);
}

const APPROVE = { granted_permissions: ['read'], session_token: 'opaque-1', status: 'approved' };
const nowSec = () => Math.floor(Date.now() / 1000);

describe('PortalConversation', () => {
  it('listens with one subscription per kind, whatever the number of logins', () => {
    const { pool, auth } = setup();
    for (let i = 0; i < 1000; i++) auth.startLogin();
    expect(pool.subscriptions.map((s) => s.filters)).toEqual([
      [{ kinds: [27010], '#p': [service.publicKey] }],
      [{ kinds: [27001], '#p': [service.publicKey] }],
    ]);
    expect(auth.stats()).toMatchObject({ pendingLogins: 1000, started: 1000 });
    auth.close();
  });

  it('names the relays of the moment when the list is given as a function', () => {
    const current = [RELAYS[0]!];
    const { auth } = setup({ relays: () => current });
    expect(parseHandshakeUrl(auth.startLogin().url).relays).toEqual([RELAYS[0]]);
    current.push(RELAYS[1]!);
    expect(parseHandshakeUrl(auth.startLogin().url).relays).toEqual(RELAYS);
    auth.close();
  });

  it('gives each login a random token, a portal:// URL and an expiry', () => {
    const { auth } = setup({ loginTimeoutMs: 60_000 });
    const before = Date.now();
    const login = auth.startLogin();
    expect(login.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(parseHandshakeUrl(login.url)).toEqual({
      mainKey: service.publicKey,
      relays: RELAYS,
      token: login.token,
      noRequest: false,
    });
    expect(login.expiresAtMs).toBeGreaterThanOrEqual(before + 60_000);
    expect(login.expiresAtMs).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(auth.startLogin({ token: 'static.token~1' }).url).toMatch(/&token=static\.token~1$/);
    auth.close();
  });

  it('runs an approved login: handshake, challenge to the wallet key, response', async () => {
    const { pool, auth } = setup();
    const wallet = generateSecretKey();
    const seen: unknown[] = [];
    const login = auth.startLogin({ onHandshake: (info) => seen.push(info) });
    handshake(pool, wallet, login.token);

    expect(seen).toEqual([
      {
        walletKey: getPublicKey(wallet),
        preferredRelays: ['wss://mine.example'],
        clientInfo: { name: 'Portal', version: '0.1.0' },
      },
    ]);
    const { event, content } = lastChallenge(pool, wallet);
    expect(verifyEvent(JSON.parse(JSON.stringify(event)))).toBe(true);
    expect(event).toMatchObject({ kind: 27000, pubkey: service.publicKey, tags: [['p', getPublicKey(wallet)]] });
    expect(content).toEqual({
      challenge: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
      expires_at: String(Math.floor(login.expiresAtMs / 1000)),
      required_permissions: [],
      subkey_proof: null,
    });

    respond(pool, wallet, content.challenge as string, APPROVE);
    await expect(login.outcome).resolves.toEqual({
      status: 'approved',
      userKey: getPublicKey(wallet),
      walletKey: getPublicKey(wallet),
      grantedPermissions: ['read'],
      sessionToken: 'opaque-1',
    });
    expect(auth.stats()).toMatchObject({ pendingLogins: 0, handshakes: 1, approved: 1 });
  });

  it('runs a declined login and sends the required permissions', async () => {
    const { pool, auth } = setup({ requiredPermissions: ['payment'] });
    const wallet = generateSecretKey();
    const login = auth.startLogin();
    handshake(pool, wallet, login.token);
    const { content } = lastChallenge(pool, wallet);
    expect(content.required_permissions).toEqual(['payment']);
    respond(pool, wallet, content.challenge as string, { reason: 'not today', status: 'declined' });
    await expect(login.outcome).resolves.toEqual({
      status: 'declined',
      userKey: getPublicKey(wallet),
      walletKey: getPublicKey(wallet),
      reason: 'not today',
    });
    expect(auth.stats()).toMatchObject({ declined: 1 });
  });

  it('ignores and counts every event that may not touch the login, which then still completes', async () => {
    const { pool, auth } = setup();
    const [wallet, stranger] = [generateSecretKey(), generateSecretKey()];
    const login = auth.startLogin();
    handshake(pool, wallet, 'another-token');
    handshake(pool, wallet, login.token, { to: getPublicKey(stranger) }); // undecryptable
    handshake(pool, wallet, login.token, { createdAtSec: nowSec() - 3600 }); // clock skew
    handshake(pool, wallet, login.token, { createdAtSec: nowSec() + 3600 });
    send(pool, wallet, 27010, '{"token":', {}); // malformed
    expect(pool.published).toHaveLength(0);

    handshake(pool, wallet, login.token);
    handshake(pool, stranger, login.token); // first match wins: the token is spent
    expect(pool.published).toHaveLength(1);
    const challenge = lastChallenge(pool, wallet).content.challenge as string;

    respond(pool, wallet, 'X'.repeat(32), APPROVE); // wrong challenge
    respond(pool, stranger, challenge, APPROVE); // wrong key
    respond(pool, wallet, challenge, APPROVE, {}, { to: getPublicKey(stranger) }); // encrypted to someone else
    respond(pool, wallet, challenge, APPROVE, {}, { raw: true }); // plaintext JSON: no fallback
    send(pool, wallet, 27001, 'A'.repeat(70_000), { raw: true }); // oversized
    send(pool, wallet, 27001, { challenge, status: { status: 'approved' } }); // malformed
    respond(pool, wallet, challenge, APPROVE, {}, { createdAtSec: nowSec() - 7200 });
    expect(auth.stats()).toMatchObject({
      pendingLogins: 1,
      ignored: {
        unknownToken: 2,
        undecryptable: 3,
        clockSkew: 3,
        malformed: 2,
        unknownChallenge: 1,
        wrongAuthor: 1,
        oversized: 1,
        badSubkeyProof: 0,
        relayChecks: 0,
      },
    });

    respond(pool, wallet, challenge, APPROVE);
    await expect(login.outcome).resolves.toMatchObject({ status: 'approved', userKey: getPublicKey(wallet) });
    respond(pool, wallet, challenge, APPROVE); // a replay after the end
    expect(auth.stats()).toMatchObject({ approved: 1, ignored: { unknownChallenge: 2 } });
  });

  describe('subkeys', () => {
    const main = generateSecretKey();
    const mainHex = Buffer.from(main).toString('hex');
    const subkey: WalletSubkey = {
      name: 'phone',
      nonceHex: '22'.repeat(32),
      validFromSec: nowSec() - 60,
      expiresAtSec: nowSec() + 3600,
      permissions: ['auth'],
      version: 1,
    };
    const subSecret = Buffer.from(deriveSubkeySecret(mainHex, subkey), 'hex');
    const proof = (overrides: Partial<WalletSubkey> = {}, mainKey = getPublicKey(main)) => {
      const m = { ...subkey, ...overrides };
      const metadata = {
        expires_at: String(m.expiresAtSec),
        name: m.name,
        nonce: m.nonceHex,
        permissions: m.permissions,
        valid_from: String(m.validFromSec),
        version: m.version,
      };
      return { subkey_proof: { main_key: mainKey, metadata } };
    };

    it('takes the main key as the identity when a subkey answers with a valid proof', async () => {
      const { pool, auth } = setup();
      const login = auth.startLogin();
      handshake(pool, subSecret, login.token);
      const challenge = lastChallenge(pool, subSecret).content.challenge as string;
      respond(pool, subSecret, challenge, APPROVE, proof({ validFromSec: nowSec() + 600 })); // not valid yet
      respond(pool, subSecret, challenge, APPROVE, proof({ expiresAtSec: nowSec() - 1 })); // expired
      respond(pool, subSecret, challenge, APPROVE, proof({ permissions: ['payment'] })); // no auth permission
      respond(pool, subSecret, challenge, APPROVE, proof({}, getPublicKey(generateSecretKey()))); // another main key
      expect(auth.stats().ignored).toMatchObject({ badSubkeyProof: 4 });
      respond(pool, subSecret, challenge, APPROVE, proof());
      await expect(login.outcome).resolves.toMatchObject({
        status: 'approved',
        userKey: getPublicKey(main),
        walletKey: getPublicKey(subSecret),
      });
    });

    it('accepts a response from a subkey of the key that did the handshake', async () => {
      const { pool, auth } = setup();
      const login = auth.startLogin();
      handshake(pool, main, login.token);
      const challenge = lastChallenge(pool, main).content.challenge as string;
      const unrelated = generateSecretKey();
      respond(pool, unrelated, challenge, APPROVE, proof({}, getPublicKey(unrelated))); // proves nothing about the wallet
      respond(pool, unrelated, challenge, APPROVE, proof()); // claims the wallet's key, but is not the subkey the proof derives
      expect(auth.stats().ignored).toMatchObject({ wrongAuthor: 1, badSubkeyProof: 1 });
      respond(pool, subSecret, challenge, { reason: null, status: 'declined' }, proof());
      await expect(login.outcome).resolves.toEqual({
        status: 'declined',
        userKey: getPublicKey(main),
        walletKey: getPublicKey(subSecret),
        reason: null,
      });
    });
  });

  it('expires a login on its own timer, with no event needed', async () => {
    const { pool, auth } = setup({ loginTimeoutMs: 50 });
    const login = auth.startLogin();
    await expect(login.outcome).resolves.toEqual({ status: 'expired' });
    expect(auth.stats()).toMatchObject({ pendingLogins: 0, expired: 1 });
    handshake(pool, generateSecretKey(), login.token);
    expect(pool.published).toHaveLength(0);
  });

  it('expires a login waiting for the response too', async () => {
    const { pool, auth } = setup({ loginTimeoutMs: 100 });
    const wallet = generateSecretKey();
    const login = auth.startLogin();
    handshake(pool, wallet, login.token);
    await expect(login.outcome).resolves.toEqual({ status: 'expired' });
    respond(pool, wallet, lastChallenge(pool, wallet).content.challenge as string, APPROVE);
    expect(auth.stats()).toMatchObject({ expired: 1, approved: 0, ignored: { unknownChallenge: 1 } });
  });

  it('cancels one login, or all of them on close', async () => {
    const { pool, auth } = setup();
    const [first, second, third] = [auth.startLogin(), auth.startLogin(), auth.startLogin()];
    first.cancel();
    first.cancel();
    await expect(first.outcome).resolves.toEqual({ status: 'cancelled' });
    handshake(pool, generateSecretKey(), third.token);
    auth.close();
    await expect(second.outcome).resolves.toEqual({ status: 'cancelled' });
    await expect(third.outcome).resolves.toEqual({ status: 'cancelled' });
    expect(pool.subscriptions.every((s) => s.closed)).toBe(true);
    expect(auth.stats()).toMatchObject({ pendingLogins: 0, cancelled: 3 });
  });

  it('fails a login whose challenge no relay accepted', async () => {
    const { pool, auth } = setup();
    pool.failure = new RelayPublishFailed([{ relay: RELAYS[0]!, reason: 'rejected: blocked' }]);
    const login = auth.startLogin();
    handshake(pool, generateSecretKey(), login.token);
    const outcome = await login.outcome;
    expect(outcome).toEqual({ status: 'failed', error: pool.failure });
    expect(auth.stats()).toMatchObject({ failed: 1, pendingLogins: 0 });
  });

  it('survives an onHandshake callback that throws', async () => {
    const { pool, auth } = setup();
    const wallet = generateSecretKey();
    const login = auth.startLogin({
      onHandshake: () => {
        throw new Error('observer bug');
      },
    });
    handshake(pool, wallet, login.token);
    respond(pool, wallet, lastChallenge(pool, wallet).content.challenge as string, APPROVE);
    await expect(login.outcome).resolves.toMatchObject({ status: 'approved' });
  });

  it('refuses bad tokens, a token already waiting, and logins beyond the cap', () => {
    const { auth } = setup({ maxPendingLogins: 2 });
    for (const token of ['', 'a b', 'a&b', 'x'.repeat(257)])
      expect(() => auth.startLogin({ token })).toThrow(InvalidArgument);
    auth.startLogin({ token: 'same' });
    expect(() => auth.startLogin({ token: 'same' })).toThrow('a login with this token is already waiting for a wallet');
    auth.startLogin();
    const error = (() => {
      try {
        auth.startLogin();
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(LoginCapacityExceeded);
    expect((error as LoginCapacityExceeded).code).toBe('ERR_LOGIN_CAPACITY');
    auth.close();
  });

  it('refuses a bad relay list at construction', () => {
    const pool = new MemoryPool();
    expect(() => new PortalConversation({ pool, service: serviceKeys, relays: [''] })).toThrow(InvalidArgument);
  });

  it('keeps 10,000 pending logins in well under 100 MB', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const pool = new RelayPool({ relays: [] });
    const auth = new PortalConversation({ pool, service: serviceKeys, relays: RELAYS });
    gc();
    const before = process.memoryUsage().heapUsed;
    const logins = Array.from({ length: 10_000 }, () => auth.startLogin());
    gc();
    const usedBytes = process.memoryUsage().heapUsed - before;
    expect(auth.stats().pendingLogins).toBe(10_000);
    expect(logins).toHaveLength(10_000);
    expect(usedBytes).toBeLessThan(100 * 1024 * 1024);
    expect(usedBytes / 10_000).toBeLessThan(4096); // per login, URL included
    auth.close();
    pool.close();
  });
});
