/**
 * A light wallet for the login benchmark: one key, one relay connection and one challenge
 * subscription kept open across logins (a phone wallet stays connected too), answering each
 * challenge the moment it arrives. nostr-tools signs and connects; the content goes through the
 * gateway's own Portal message helpers. The tests use the independent rust-nostr wallet instead.
 */
import WebSocket from 'ws';
import type { NostrEvent } from 'nostr-tools/core';
import { generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { Relay, useWebSocketImplementation } from 'nostr-tools/relay';
import { parseHandshakeUrl } from '../../src/nostr/handshake-url.js';
import { KIND_AUTH_CHALLENGE, KIND_AUTH_RESPONSE, KIND_KEY_HANDSHAKE } from '../../src/nostr/kinds.js';
import { decryptContent, encryptContent, signEvent } from '../../src/nostr/portal-messages.js';

useWebSocketImplementation(WebSocket);

const CHALLENGE_TIMEOUT_MS = 20_000;

interface Waiting {
  resolve(challenge: { challenge: string; from: string; permissions: string[] }): void;
}

export class BenchWallet {
  private readonly secretKey = generateSecretKey();
  readonly publicKey = getPublicKey(this.secretKey);
  private waiting: Waiting | undefined;

  private constructor(private readonly relay: Relay) {}

  /** Connects to `relayUrl` and subscribes for challenges (confirmed by the relay) before returning. */
  static async connect(relayUrl: string): Promise<BenchWallet> {
    const relay = await Relay.connect(relayUrl, { enablePing: false, enableReconnect: false });
    const wallet = new BenchWallet(relay);
    await new Promise<void>((resolve) => {
      relay.subscribe([{ kinds: [KIND_AUTH_CHALLENGE], '#p': [wallet.publicKey] }], {
        oneose: resolve,
        onevent: (event) => wallet.onChallenge(event),
      });
    });
    return wallet;
  }

  /**
   * Approves one login (one at a time: a challenge names no login, so the wallet takes the next one
   * as the answer to its handshake). Resolves with the `performance.now()` of the handshake publish.
   */
  async approve(portalUrl: string): Promise<number> {
    if (this.waiting) throw new Error('BenchWallet handles one login at a time');
    const target = parseHandshakeUrl(portalUrl);
    const content = JSON.stringify({
      client_info: { name: 'portal-gateway bench wallet', version: '1' },
      preferred_relays: [],
      token: target.token,
    });
    const tags = [['p', target.mainKey], ...(target.subkey ? [['p', target.subkey]] : [])];
    const handshake = signEvent(
      this.secretKey,
      KIND_KEY_HANDSHAKE,
      tags,
      encryptContent(content, this.secretKey, target.subkey ?? target.mainKey),
    );
    const challenge = new Promise<{ challenge: string; from: string; permissions: string[] }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('bench wallet: no challenge came back')), CHALLENGE_TIMEOUT_MS);
      this.waiting = { resolve: (value) => (clearTimeout(timer), resolve(value)) };
    });
    // The event is signed and sealed above: the clock starts when it goes to the relay.
    const sentAt = performance.now();
    try {
      const published = this.relay.publish(handshake);
      published.catch(() => undefined); // awaited below; the challenge may come back before the relay's OK
      const received = await challenge;
      await published;
      const answer = JSON.stringify({
        challenge: received.challenge,
        status: { status: 'approved', granted_permissions: received.permissions, session_token: 'bench' },
        subkey_proof: null,
      });
      const responseTags = [...new Set([target.mainKey, received.from])].map((key) => ['p', key]);
      await this.relay.publish(
        signEvent(
          this.secretKey,
          KIND_AUTH_RESPONSE,
          responseTags,
          encryptContent(answer, this.secretKey, received.from),
        ),
      );
      return sentAt;
    } finally {
      this.waiting = undefined;
    }
  }

  close(): void {
    this.relay.close();
  }

  private onChallenge(event: NostrEvent): void {
    const waiting = this.waiting;
    if (!waiting) return;
    const plain = decryptContent(event.content, this.secretKey, event.pubkey);
    if (!plain.ok) return;
    const content = JSON.parse(plain.value) as { challenge?: unknown; required_permissions?: unknown };
    if (typeof content.challenge !== 'string') return;
    const permissions = Array.isArray(content.required_permissions)
      ? content.required_permissions.filter((p): p is string => typeof p === 'string')
      : [];
    waiting.resolve({ challenge: content.challenge, from: event.pubkey, permissions });
  }
}
