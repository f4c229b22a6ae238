/**
 * The running gateway's assertion keys: the one that signs now and the ones still published at
 * `/.well-known/jwks.json`. A rotation (`portal-gateway assertion-key rotate`) rewrites the keyring in
 * the data directory; the gateway notices within a second or two and signs with the new key.
 */
import { unwatchFile, watchFile } from 'node:fs';
import type { AssertionConfig } from '../config/types.js';
import { nowSeconds } from '../jwt/claims.js';
import {
  RETIRED_KEY_GRACE_SEC,
  keyringPath,
  keysOfRing,
  readKeyFile,
  readKeyring,
  rotateKeyring,
  writeKeyring,
  type AssertionKey,
  type PublicJwk,
} from './keyring.js';

export interface AssertionKeysOptions {
  /** Keep a generated key in memory only (the demo writes nothing to disk). */
  ephemeral?: boolean;
  /** Told when a changed keyring cannot be loaded (the keys in use stay). */
  onReloadError?: (error: unknown) => void;
}

const WATCH_INTERVAL_MS = 1000;

export class AssertionKeys {
  private keys: readonly AssertionKey[];
  private readonly watched: string | undefined;

  constructor(
    private readonly config: AssertionConfig,
    dataDir: string,
    options: AssertionKeysOptions = {},
  ) {
    if (config.keyFile !== undefined) {
      this.keys = [readKeyFile(config.keyFile, config.alg)];
      return;
    }
    if (options.ephemeral) {
      this.keys = keysOfRing(rotateKeyring(undefined, config.alg, config.ttlSec, nowSeconds()));
      return;
    }
    const path = keyringPath(dataDir);
    let ring = readKeyring(path);
    // First start, or `assertion.alg` changed: a new current key (the old one stays published a while).
    if (ring === undefined || ring.keys[0]!.alg !== config.alg) {
      ring = rotateKeyring(ring, config.alg, config.ttlSec, nowSeconds());
      writeKeyring(path, dataDir, ring);
    }
    this.keys = keysOfRing(ring);
    this.watched = path;
    watchFile(path, { interval: WATCH_INTERVAL_MS, persistent: false }, (now, before) => {
      if (now.mtimeMs === before.mtimeMs || now.nlink === 0) return;
      try {
        const next = readKeyring(path);
        if (next) this.keys = keysOfRing(next);
      } catch (error) {
        options.onReloadError?.(error);
      }
    });
  }

  /** The key that signs new assertions. */
  current(): AssertionKey {
    return this.keys[0]!;
  }

  /** Public keys to publish: the current one and those retired less than ttlSec + 5 minutes ago. */
  published(now = nowSeconds()): PublicJwk[] {
    return this.keys.filter((key) => key.retiredAt === undefined || key.retiredAt + this.config.ttlSec + RETIRED_KEY_GRACE_SEC > now).map((key) => key.publicJwk);
  }

  close(): void {
    if (this.watched) unwatchFile(this.watched);
  }
}
