/**
 * A wallet app in software, for the demo and `portal-gateway wallet approve`: it "scans" a portal:// URL
 * and approves or declines the login, as a phone wallet would, over the same relay and with the same
 * Portal messages (nostr-tools for the relay connection and signing, our handshake-url and
 * portal-messages for the content). The tests use an independent wallet built on rust-nostr instead;
 * this one only has to be small and readable.
 */
import WebSocket from 'ws';
import type { NostrEvent } from 'nostr-tools/core';
import { npubEncode } from 'nostr-tools/nip19';
import { generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { Relay, useWebSocketImplementation } from 'nostr-tools/relay';
import { RelayUnreachable, WalletTimeout } from '../errors.js';
import { parseHandshakeUrl } from '../nostr/handshake-url.js';
import { KIND_AUTH_CHALLENGE, KIND_AUTH_RESPONSE, KIND_KEY_HANDSHAKE } from '../nostr/kinds.js';
import { decryptContent, encryptContent, signEvent } from '../nostr/portal-messages.js';

useWebSocketImplementation(WebSocket);

const DEFAULT_TIMEOUT_MS = 20_000;
/** Longest wait for one relay's WebSocket to open. */
const CONNECT_TIMEOUT_MS = 5000;

export interface DemoWalletOptions {
  /** The user's secret key; a new one by default. */
  secretKey?: Uint8Array;
  /** How long to wait for the gateway's AUTH_CHALLENGE after the handshake. */
  timeoutMs?: number;
  /** Shown to the gateway in the handshake. */
  clientName?: string;
}

/** What the user taps. */
type Decision = { approve: true } | { approve: false; reason: string };

interface ReceivedChallenge {
  challenge: string;
  /** The key that sent the challenge (the service, or its subkey). */
  from: string;
  requiredPermissions: string[];
}

export class DemoWallet {
  private readonly secretKey: Uint8Array;
  /** The user's key (x-only hex). */
  readonly publicKey: string;
  readonly npub: string;
  private readonly timeoutMs: number;
  private readonly clientName: string;

  /** `log` receives one line per step of the wallet's side of the conversation. */
  constructor(
    private readonly log: (line: string) => void = () => undefined,
    options: DemoWalletOptions = {},
  ) {
    this.secretKey = options.secretKey ?? generateSecretKey();
    this.publicKey = getPublicKey(this.secretKey);
    this.npub = npubEncode(this.publicKey);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.clientName = options.clientName ?? 'portal-gateway demo wallet';
  }

  /** The wallet side of one login: handshake, wait for the challenge, approve it. */
  approve(portalUrl: string): Promise<void> {
    return this.answer(portalUrl, { approve: true });
  }

  /** The same conversation, answered with a decline (the gateway shows `reason`). */
  decline(portalUrl: string, reason: string): Promise<void> {
    return this.answer(portalUrl, { approve: false, reason });
  }

  private async answer(portalUrl: string, decision: Decision): Promise<void> {
    const target = parseHandshakeUrl(portalUrl);
    const relay = await connectToAny(target.relays);
    try {
      const challenge = this.nextChallenge(relay);
      const handshake = JSON.stringify({
        client_info: { name: this.clientName, version: '1' },
        preferred_relays: [],
        token: target.token,
      });
      const tags = [['p', target.mainKey], ...(target.subkey ? [['p', target.subkey]] : [])];
      this.log(`wallet  scanned the portal:// URL; sending KEY_HANDSHAKE (kind ${KIND_KEY_HANDSHAKE}) as ${this.npub}`);
      await relay.publish(
        signEvent(
          this.secretKey,
          KIND_KEY_HANDSHAKE,
          tags,
          encryptContent(handshake, this.secretKey, target.subkey ?? target.mainKey),
        ),
      );
      const received = await (await challenge).promise;
      const asked = received.requiredPermissions.length ? ` asking for ${received.requiredPermissions.join(', ')}` : '';
      this.log(
        `wallet  received AUTH_CHALLENGE (kind ${KIND_AUTH_CHALLENGE})${asked}; the user taps "${decision.approve ? 'Approve' : 'Decline'}"`,
      );
      const status = decision.approve
        ? { status: 'approved', granted_permissions: received.requiredPermissions, session_token: 'demo' }
        : { status: 'declined', reason: decision.reason };
      const answer = JSON.stringify({ challenge: received.challenge, status, subkey_proof: null });
      const responseTags = [...new Set([target.mainKey, received.from])].map((key) => ['p', key]);
      this.log(
        `wallet  challenge answered: sending AUTH_RESPONSE (kind ${KIND_AUTH_RESPONSE}) ${decision.approve ? 'approved' : 'declined'}`,
      );
      await relay.publish(
        signEvent(
          this.secretKey,
          KIND_AUTH_RESPONSE,
          responseTags,
          encryptContent(answer, this.secretKey, received.from),
        ),
      );
    } finally {
      relay.close();
    }
  }

  /** Subscribes (and waits for the relay to confirm) before the handshake goes out: kind 27000 is never stored. */
  private async nextChallenge(relay: Relay): Promise<{ promise: Promise<ReceivedChallenge> }> {
    let confirmed!: () => void;
    const subscribed = new Promise<void>((resolve) => (confirmed = resolve));
    const promise = new Promise<ReceivedChallenge>((resolve, reject) => {
      const timer = setTimeout(() => (subscription.close(), reject(new WalletTimeout(this.timeoutMs))), this.timeoutMs);
      const subscription = relay.subscribe([{ kinds: [KIND_AUTH_CHALLENGE], '#p': [this.publicKey] }], {
        oneose: confirmed,
        onevent: (event: NostrEvent) => {
          const parsed = this.readChallenge(event);
          if (!parsed) return;
          clearTimeout(timer);
          subscription.close();
          resolve(parsed);
        },
      });
    });
    promise.catch(() => undefined); // reported by whoever awaits it
    await subscribed;
    return { promise };
  }

  private readChallenge(event: NostrEvent): ReceivedChallenge | undefined {
    const plain = decryptContent(event.content, this.secretKey, event.pubkey);
    if (!plain.ok) return undefined;
    try {
      const content = JSON.parse(plain.value) as {
        challenge?: unknown;
        expires_at?: unknown;
        required_permissions?: unknown;
      };
      if (typeof content.challenge !== 'string' || Number(content.expires_at) * 1000 < Date.now()) return undefined;
      const permissions = Array.isArray(content.required_permissions)
        ? content.required_permissions.filter((p): p is string => typeof p === 'string')
        : [];
      return { challenge: content.challenge, from: event.pubkey, requiredPermissions: permissions };
    } catch {
      return undefined;
    }
  }
}

async function connectToAny(relays: readonly string[]): Promise<Relay> {
  let lastError: unknown;
  for (const url of relays) {
    try {
      return await Relay.connect(url, { enablePing: false, enableReconnect: false, timeout: CONNECT_TIMEOUT_MS });
    } catch (error) {
      lastError = error;
    }
  }
  throw new RelayUnreachable(relays, (lastError as Error | undefined)?.message ?? 'the URL names no relay');
}
