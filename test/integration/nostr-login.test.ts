/**
 * Portal logins end to end over real relay processes (the dev relay, in child processes) with the
 * independent rust-nostr wallet: the gateway side is RelayPool + PortalConversation.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, parseSecretKey } from '../../src/keys/nostr-keys.js';
import {
  PortalConversation,
  type HandshakeInfo,
  type PortalConversationOptions,
} from '../../src/nostr/portal-conversation.js';
import { RelayPool } from '../../src/nostr/relay-pool.js';
import { startRelayProcess, type RelayProcess } from '../support/relay-process.js';
import { startScriptedRelay } from '../support/relay-scripted.js';
import { waitFor, waitForLive } from '../support/relay-wait.js';
import { TestWallet, type TestWalletOptions, type WalletAnswer } from '../support/wallet.js';

const service = generateKeyPair();
/** The service key as createGateway hands it to the conversation. */
const serviceKeys = { secretKey: parseSecretKey(service.secretKey), publicKey: service.publicKey };
const APPROVE: WalletAnswer = { approve: { grantedPermissions: ['read', 'write'], sessionToken: 'opaque-session' } };

let relay: RelayProcess;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  relay = await startRelayProcess();
});
afterAll(() => relay.stop());
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The gateway side on `relays`, listening (live on every relay in `liveOn`) before it returns. */
async function gateway(relays: string[], options: Partial<PortalConversationOptions> = {}, liveOn = relays) {
  const pool = new RelayPool({ relays, backoffInitialMs: 100, backoffMaxMs: 500, publishTimeoutMs: 3000 });
  const auth = new PortalConversation({ pool, service: serviceKeys, relays, ...options });
  cleanups.push(
    () => pool.close(),
    () => auth.close(),
  );
  await waitForLive(pool, 2, liveOn);
  return { pool, auth };
}

function wallet(options: TestWalletOptions = {}): TestWallet {
  const created = new TestWallet(options);
  cleanups.push(() => created.close());
  return created;
}

async function deadRelayUrl(): Promise<{ url: string; port: number }> {
  const r = await startScriptedRelay();
  await r.close();
  return { url: r.url, port: r.port };
}

describe('Portal login over real relays with the rust-nostr wallet', () => {
  it('approves: the user key, granted permissions and opaque session token reach the gateway', async () => {
    const { auth } = await gateway([relay.url]);
    const user = wallet({ preferredRelays: ['wss://wallet-reads-here.example'] });
    const handshakes: HandshakeInfo[] = [];
    const login = auth.startLogin({ onHandshake: (info) => handshakes.push(info) });

    const seenByWallet = await user.login(login.url, APPROVE);
    await expect(login.outcome).resolves.toEqual({
      status: 'approved',
      userKey: user.mainKey,
      walletKey: user.mainKey,
      grantedPermissions: ['read', 'write'],
      sessionToken: 'opaque-session',
    });
    expect(handshakes).toEqual([
      {
        walletKey: user.mainKey,
        preferredRelays: ['wss://wallet-reads-here.example'],
        clientInfo: { name: 'rust-nostr test wallet', version: '0.43.0' },
      },
    ]);
    expect(seenByWallet).toMatchObject({
      serviceKey: service.publicKey,
      expiresAtSec: Math.floor(login.expiresAtMs / 1000),
      requiredPermissions: [],
    });
    expect(auth.stats()).toMatchObject({ pendingLogins: 0, handshakes: 1, approved: 1 });
  });

  it('declines with the reason the wallet gave', async () => {
    const { auth } = await gateway([relay.url]);
    const user = wallet();
    const login = auth.startLogin();
    await user.login(login.url, { decline: { reason: 'I did not start this' } });
    await expect(login.outcome).resolves.toEqual({
      status: 'declined',
      userKey: user.mainKey,
      walletKey: user.mainKey,
      reason: 'I did not start this',
    });
  });

  it('takes the main key as the identity when the wallet runs on a subkey with a proof', async () => {
    const { auth } = await gateway([relay.url]);
    const nowSec = Math.floor(Date.now() / 1000);
    const subkey = {
      name: 'phone',
      nonceHex: '33'.repeat(32),
      validFromSec: nowSec - 60,
      expiresAtSec: nowSec + 3600,
      permissions: ['auth' as const],
      version: 1,
    };
    const user = wallet({ subkey });
    expect(user.signingKey).not.toBe(user.mainKey);
    const login = auth.startLogin();
    await user.login(login.url, APPROVE);
    await expect(login.outcome).resolves.toMatchObject({
      status: 'approved',
      userKey: user.mainKey,
      walletKey: user.signingKey,
    });
  });

  it('ignores a handshake with the wrong token, answers to none of the hostile responses, and still completes', async () => {
    const { auth } = await gateway([relay.url]);
    const login = auth.startLogin();
    const short = { timeoutMs: 2000 };
    await expect(
      wallet().login(login.url, APPROVE, { ...short, hostile: { handshakeToken: 'not-the-token' } }),
    ).rejects.toThrow('no challenge');
    expect(auth.stats().ignored.unknownToken).toBe(1);

    const hostile = [
      { responseChallenge: 'X'.repeat(32) },
      { respondWithOtherKey: true },
      { encryptResponseTo: generateKeyPair().publicKey },
      { plaintextResponse: true },
    ];
    const logins = hostile.map(() => auth.startLogin());
    await Promise.all(hostile.map((knobs, i) => wallet().login(logins[i]!.url, APPROVE, { hostile: knobs })));
    await waitFor(() => auth.stats().ignored.undecryptable === 2, 'the hostile responses');
    expect(auth.stats()).toMatchObject({
      pendingLogins: 5,
      approved: 0,
      ignored: { unknownChallenge: 1, wrongAuthor: 1, undecryptable: 2 },
    });

    const user = wallet();
    await user.login(login.url, APPROVE);
    await expect(login.outcome).resolves.toMatchObject({ status: 'approved', userKey: user.mainKey });
  });

  it('expires a login nobody answers, and ignores the wallet that comes too late', async () => {
    const { auth } = await gateway([relay.url], { loginTimeoutMs: 1000 });
    const login = auth.startLogin();
    await expect(login.outcome).resolves.toEqual({ status: 'expired' });
    await expect(wallet().login(login.url, APPROVE, { timeoutMs: 1500 })).rejects.toThrow('no challenge');
    expect(auth.stats()).toMatchObject({ expired: 1, handshakes: 0, ignored: { unknownToken: 1 } });
  });

  it('drops hostile events from a lying relay (bad signature, wrong kind, undecryptable, 1 MB) without harm', async () => {
    const liar = await startScriptedRelay();
    cleanups.push(() => liar.close());
    const { pool, auth } = await gateway([relay.url, liar.url], { relays: [relay.url] });
    const responseSubscription = String(
      liar.received.find((m) => m[0] === 'REQ' && JSON.stringify(m[2]).includes('27001'))![1],
    );
    const attacker = wallet();
    const sealed = attacker.encrypt(
      '{"challenge":"C","status":{"reason":null,"status":"declined"}}',
      service.publicKey,
    );
    const p = [['p', service.publicKey]];
    const valid = attacker.signedEvent(27001, p, sealed);
    const hostile = [
      { ...valid, sig: (valid.sig as string).replace(/^./, (c) => (c === '0' ? '1' : '0')) }, // bad signature
      { ...valid, content: attacker.encrypt('{}', service.publicKey) }, // id no longer matches
      attacker.signedEvent(1, p, 'kind 1 on the response subscription'), // wrong kind
      attacker.signedEvent(27001, [['p', generateKeyPair().publicKey]], sealed), // not for us
      attacker.signedEvent(27001, p, 'bm90IE5JUC00NA=='), // undecryptable
      attacker.signedEvent(27001, p, 'A'.repeat(1024 * 1024)), // 1 MB
    ];
    for (const event of hostile) expect(liar.inject(event, responseSubscription)).toBe(1);
    liar.injectRaw('not json at all');
    liar.injectRaw('["EVENT"]');
    await waitFor(() => auth.stats().ignored.oversized === 1, 'the 1 MB event');
    expect(auth.stats().ignored).toMatchObject({ relayChecks: 4, undecryptable: 1, oversized: 1, unknownChallenge: 0 });
    expect(pool.status().find((s) => s.url === liar.url)).toMatchObject({
      state: 'open',
      counters: { eventsReceived: 7, eventsRejected: 5 },
    }); // the bare ["EVENT"] too

    const user = wallet();
    const login = auth.startLogin();
    await user.login(login.url, APPROVE);
    await expect(login.outcome).resolves.toMatchObject({ status: 'approved', userKey: user.mainKey });
  });

  it('completes a login when the relay is killed (SIGKILL) and restarted between challenge and answer', async () => {
    const fragile = await startRelayProcess();
    cleanups.push(() => fragile.stop());
    const { pool, auth } = await gateway([fragile.url]);
    const user = wallet();
    const login = auth.startLogin();
    await user.login(login.url, APPROVE, {
      beforeAnswer: async () => {
        await fragile.kill();
        await waitFor(() => pool.status()[0]!.state !== 'open', 'the gateway to notice the crash');
        await fragile.restart();
        // The gateway reconnects and resubscribes by itself; the wallet answers once it has too.
        await waitFor(() => pool.status()[0]!.counters.reconnects === 1, 'the gateway to reconnect');
        await waitForLive(pool, 2);
      },
    });
    await expect(login.outcome).resolves.toMatchObject({ status: 'approved', userKey: user.mainKey });
  });

  it('logs in through two relays while one of them is down', async () => {
    const dead = await deadRelayUrl();
    const { pool, auth } = await gateway([relay.url, dead.url], {}, [relay.url]);
    const user = wallet();
    const login = auth.startLogin();
    expect(login.url).toContain(encodeURIComponent(dead.url));
    await user.login(login.url, APPROVE);
    await expect(login.outcome).resolves.toMatchObject({ status: 'approved', userKey: user.mainKey });
    expect(pool.status().find((s) => s.url === dead.url)).toMatchObject({
      state: expect.stringMatching(/backoff|connecting/),
      lastError: expect.stringMatching(/ECONNREFUSED/),
    });
  });

  it('starts with no relay reachable and logs in once the relay comes up', async () => {
    const dead = await deadRelayUrl();
    const { pool, auth } = await gateway([dead.url], {}, []);
    const login = auth.startLogin();
    const late = await startRelayProcess({ port: dead.port });
    cleanups.push(() => late.stop());
    await waitForLive(pool, 2);
    const user = wallet();
    await user.login(login.url, APPROVE);
    await expect(login.outcome).resolves.toMatchObject({ status: 'approved', userKey: user.mainKey });
  });

  it('completes 100 concurrent logins, each with the right identity', async () => {
    const { pool, auth } = await gateway([relay.url]);
    const users = Array.from({ length: 100 }, () => wallet());
    const logins = users.map(() => auth.startLogin());
    await Promise.all(
      users.map((user, i) =>
        user.login(
          logins[i]!.url,
          { approve: { grantedPermissions: [`p${i}`], sessionToken: `session-${i}` } },
          { timeoutMs: 30_000 },
        ),
      ),
    );
    const outcomes = await Promise.all(logins.map((login) => login.outcome));
    outcomes.forEach((outcome, i) => {
      expect(outcome).toEqual({
        status: 'approved',
        userKey: users[i]!.mainKey,
        walletKey: users[i]!.mainKey,
        grantedPermissions: [`p${i}`],
        sessionToken: `session-${i}`,
      });
    });
    expect(auth.stats()).toMatchObject({ pendingLogins: 0, handshakes: 100, approved: 100 });
    expect(pool.status()[0]!.liveSubscriptions).toBe(2);
  }, 60_000);
});
