/**
 * A Portal wallet for tests, independent of the code under test: signing, NIP-44 and relay I/O
 * come from rust-nostr (Rust compiled to WebAssembly), subkey math from node:crypto (OpenSSL), and
 * the portal:// parser is written here from docs/protocol.md. Nothing from src/ or nostr-tools is used.
 */
import { createECDH, createHash } from 'node:crypto';
import rustNostr from '@rust-nostr/nostr-sdk';

const {
  loadWasmSync,
  Client,
  Duration,
  EventBuilder,
  Keys,
  Kind,
  NIP44Version,
  NostrSigner,
  PublicKey,
  RelayOptions,
  Tag,
  Filter,
  nip44Decrypt,
  nip44Encrypt,
} = rustNostr;
type RustClient = InstanceType<typeof Client>;
type RustKeys = InstanceType<typeof Keys>;

loadWasmSync();

const ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

export interface ParsedPortalUrl {
  mainKey: string;
  relays: string[];
  token: string;
  subkey?: string;
  noRequest: boolean;
}

/** docs/protocol.md 3.2. Throws Error on a malformed URL. */
export function parsePortalUrl(input: string): ParsedPortalUrl {
  const text = input.trim();
  if (!text.startsWith('portal://')) throw new Error('not a portal:// URL');
  const rest = text.slice('portal://'.length);
  const q = rest.indexOf('?');
  if (q < 0) throw new Error('no query');
  const npub = (value: string): string => {
    if (!value.startsWith('npub1')) throw new Error('not an npub');
    return PublicKey.parse(value).toHex();
  };
  const params: Record<string, string> = {};
  for (const piece of rest.slice(q + 1).split('&')) {
    const eq = piece.indexOf('=');
    if (eq < 0) throw new Error('query piece without "="');
    params[piece.slice(0, eq)] = piece.slice(eq + 1);
  }
  if (params.token === undefined || params.relays === undefined) throw new Error('token and relays are required');
  const parsed: ParsedPortalUrl = {
    mainKey: npub(rest.slice(0, q)),
    relays: params.relays.split(',').map((relay) => decodeURIComponent(relay)),
    token: params.token,
    noRequest: params.no_request === 'true',
  };
  if (params.subkey !== undefined) parsed.subkey = npub(params.subkey);
  return parsed;
}

export interface WalletSubkey {
  name: string;
  nonceHex: string;
  validFromSec: number;
  expiresAtSec: number;
  permissions: ('auth' | 'payment')[];
  version: number;
}

export type WalletAnswer =
  { approve: { grantedPermissions: string[]; sessionToken: string } } | { decline: { reason: string | null } };

/** Ways to misbehave, for the tests of what the gateway ignores. */
export interface HostileKnobs {
  /** Handshake with this token instead of the URL's. */
  handshakeToken?: string;
  /** Echo this instead of the challenge received. */
  responseChallenge?: string;
  /** Sign the response with a fresh key that never did the handshake. */
  respondWithOtherKey?: boolean;
  /** Encrypt the response to this key instead of the service. */
  encryptResponseTo?: string;
  /** Send the response JSON unencrypted. */
  plaintextResponse?: boolean;
  /** Claim this main key in the subkey proof. */
  proofMainKey?: string;
}

export interface WalletLoginResult {
  challenge: string;
  /** Author of the challenge. */
  serviceKey: string;
  expiresAtSec: number;
  requiredPermissions: string[];
}

export interface LoginOptions {
  hostile?: HostileKnobs;
  beforeAnswer?: (challenge: WalletLoginResult) => Promise<void>;
  /** Default 20,000. */
  timeoutMs?: number;
}

export interface TestWalletOptions {
  /** Main secret key (hex); random when absent. */
  secretKeyHex?: string;
  /** Sign everything with this subkey of the main key and prove it in the response. */
  subkey?: WalletSubkey;
  preferredRelays?: string[];
}

export class TestWallet {
  /** The user's identity (main key), hex. */
  readonly mainKey: string;
  /** The key this wallet signs with: the main key, or its subkey. */
  readonly signingKey: string;
  private readonly keys: RustKeys;
  private readonly subkey: WalletSubkey | undefined;
  private readonly preferredRelays: string[];
  private client: RustClient | undefined;

  constructor(options: TestWalletOptions = {}) {
    const main = options.secretKeyHex ? Keys.parse(options.secretKeyHex) : Keys.generate();
    this.mainKey = main.publicKey.toHex();
    this.subkey = options.subkey;
    this.keys = options.subkey ? Keys.parse(deriveSubkeySecret(main.secretKey.toHex(), options.subkey)) : main;
    this.signingKey = this.keys.publicKey.toHex();
    this.preferredRelays = options.preferredRelays ?? [];
  }

  /**
   * The whole wallet side of a login: handshake, wait for the challenge, answer. `beforeAnswer`
   * runs between the challenge and the answer (the user reading the prompt).
   */
  async login(url: string, answer: WalletAnswer, options: LoginOptions = {}): Promise<WalletLoginResult> {
    const { hostile = {}, timeoutMs = 20_000 } = options;
    const deadline = Date.now() + timeoutMs;
    const target = parsePortalUrl(url);
    const client = await this.connect(target.relays);
    const challenge = this.nextChallenge(client, deadline);
    const recipient = target.subkey ?? target.mainKey;
    const handshake = JSON.stringify({
      client_info: { name: 'rust-nostr test wallet', version: '0.43.0' },
      preferred_relays: this.preferredRelays,
      token: hostile.handshakeToken ?? target.token,
    });
    const tags = [['p', target.mainKey], ...(target.subkey ? [['p', target.subkey]] : [])];
    await sendUntilAccepted(
      client,
      this.sign(27010, tags, nip44Encrypt(this.keys.secretKey, PublicKey.parse(recipient), handshake, NIP44Version.V2)),
      deadline,
    );
    const received = await challenge;
    await options.beforeAnswer?.(received);
    await this.respond(client, target.mainKey, received, answer, hostile, deadline);
    return received;
  }

  /** A signed event (rust-nostr) as a plain JSON object, for tests that inject raw events. */
  signedEvent(kind: number, tags: string[][], content: string): Record<string, unknown> {
    return JSON.parse(this.sign(kind, tags, content).asJson()) as Record<string, unknown>;
  }

  /** NIP-44 v2 (rust-nostr) encryption with this wallet's signing key. */
  encrypt(plaintext: string, recipientHex: string): string {
    return nip44Encrypt(this.keys.secretKey, PublicKey.parse(recipientHex), plaintext, NIP44Version.V2);
  }

  /** NIP-44 v2 (rust-nostr) decryption with this wallet's signing key. */
  decrypt(payload: string, senderHex: string): string {
    return nip44Decrypt(this.keys.secretKey, PublicKey.parse(senderHex), payload);
  }

  async close(): Promise<void> {
    await this.client?.shutdown();
    this.client = undefined;
  }

  private sign(kind: number, tags: string[][], content: string, keys = this.keys) {
    return new EventBuilder(new Kind(kind), content).tags(tags.map((tag) => Tag.parse(tag))).signWithKeys(keys);
  }

  private async connect(relays: string[]): Promise<RustClient> {
    await this.close();
    const client = new Client(NostrSigner.keys(this.keys));
    for (const relay of relays)
      await client.addRelayWithOpts(relay, new RelayOptions().retry_interval(Duration.fromSecs(1)));
    await client.connect();
    this.client = client;
    // Go on as soon as one relay is up: the URL may list relays that are down.
    const deadline = Date.now() + 5000;
    while (!(await client.relays()).some((relay) => relay.isConnected()) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return client;
  }

  /** Subscribes for the challenge (and waits for EOSE, so it cannot be missed) before anything is sent. */
  private async nextChallenge(client: RustClient, deadline: number): Promise<WalletLoginResult> {
    let eose!: () => void;
    const subscribed = new Promise<void>((resolve) => (eose = resolve));
    const result = new Promise<WalletLoginResult>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('wallet: no challenge before the deadline')),
        deadline - Date.now(),
      );
      client.handleNotifications({
        handleEvent: async (_relay, _subscription, event) => {
          if (event.kind.asU16() !== 27000) return false;
          const author = event.author.toHex();
          let content: Record<string, unknown>;
          try {
            content = JSON.parse(nip44Decrypt(this.keys.secretKey, event.author, event.content)) as Record<
              string,
              unknown
            >;
          } catch {
            return false; // not for us
          }
          const expiresAtSec = Number(content.expires_at);
          if (typeof content.expires_at !== 'string' || expiresAtSec < Date.now() / 1000) return false; // as the reference wallet
          clearTimeout(timer);
          resolve({
            challenge: String(content.challenge),
            serviceKey: author,
            expiresAtSec,
            requiredPermissions: content.required_permissions as string[],
          });
          return true;
        },
        handleMsg: async (_relay, message) => {
          if (message.asJson().startsWith('["EOSE"')) eose();
          return false;
        },
      });
    });
    await client.subscribe(new Filter().kind(new Kind(27000)).pubkey(this.keys.publicKey));
    await subscribed;
    return result;
  }

  private async respond(
    client: RustClient,
    serviceMainKey: string,
    received: WalletLoginResult,
    answer: WalletAnswer,
    hostile: HostileKnobs,
    deadline: number,
  ): Promise<void> {
    const status =
      'approve' in answer
        ? {
            granted_permissions: answer.approve.grantedPermissions,
            session_token: answer.approve.sessionToken,
            status: 'approved',
          }
        : { reason: answer.decline.reason, status: 'declined' };
    const content = JSON.stringify({
      challenge: hostile.responseChallenge ?? received.challenge,
      status,
      subkey_proof: this.proof(hostile),
    });
    const signer = hostile.respondWithOtherKey ? Keys.generate() : this.keys;
    const recipient = hostile.encryptResponseTo ?? received.serviceKey;
    const sealed = hostile.plaintextResponse
      ? content
      : nip44Encrypt(signer.secretKey, PublicKey.parse(recipient), content, NIP44Version.V2);
    const tags = [...new Set([serviceMainKey, received.serviceKey])].map((key) => ['p', key]);
    await sendUntilAccepted(client, this.sign(27001, tags, sealed, signer), deadline);
  }

  private proof(hostile: HostileKnobs): Record<string, unknown> | null {
    const subkey = this.subkey;
    if (!subkey) return null;
    return {
      main_key: hostile.proofMainKey ?? this.mainKey,
      metadata: {
        expires_at: String(subkey.expiresAtSec),
        name: subkey.name,
        nonce: subkey.nonceHex,
        permissions: subkey.permissions,
        valid_from: String(subkey.validFromSec),
        version: subkey.version,
      },
    };
  }
}

/** Relays drop and come back: retry until one relay accepts or the deadline passes. */
async function sendUntilAccepted(
  client: RustClient,
  event: ReturnType<TestWallet['sign']>,
  deadline: number,
): Promise<void> {
  for (;;) {
    try {
      const output = await client.sendEvent(event);
      if (output.success.length > 0) return;
    } catch {
      // not connected yet
    }
    if (Date.now() > deadline) throw new Error('wallet: no relay accepted the event before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** docs/protocol.md section 5: child secret = (d or n − d) + t mod n. */
export function deriveSubkeySecret(mainSecretHex: string, subkey: WalletSubkey): string {
  const name = Buffer.from(subkey.name, 'utf8');
  const u64 = (value: number): Buffer => {
    const out = Buffer.alloc(8);
    out.writeBigUInt64LE(BigInt(value));
    return out;
  };
  const bits = (subkey.permissions.includes('auth') ? 1 : 0) | (subkey.permissions.includes('payment') ? 2 : 0);
  const nameLength = Buffer.alloc(2);
  nameLength.writeUInt16LE(name.length);
  const canonical = Buffer.concat([
    Buffer.from([subkey.version]),
    nameLength,
    name,
    Buffer.from(subkey.nonceHex, 'hex'),
    u64(subkey.validFromSec),
    u64(subkey.expiresAtSec),
    Buffer.from([bits]),
  ]);
  const tag = createHash('sha256').update('Portal/Subkey').digest();
  const tweak = BigInt(`0x${createHash('sha256').update(tag).update(tag).update(canonical).digest('hex')}`);
  const ecdh = createECDH('secp256k1');
  ecdh.setPrivateKey(Buffer.from(mainSecretHex, 'hex'));
  const oddY = ecdh.getPublicKey(null, 'compressed')[0] === 0x03;
  const d = BigInt(`0x${mainSecretHex}`);
  return (((oddY ? ORDER - d : d) + tweak) % ORDER).toString(16).padStart(64, '0');
}
