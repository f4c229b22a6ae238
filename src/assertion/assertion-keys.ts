/**
 * The running gateway's assertion keys: the one that signs now and the ones still published at
 * `/.well-known/jwks.json`. A rotation (`portal-gateway assertion-key rotate`) rewrites the keyring in
 * the data directory; the gateway checks the file every second and then signs with the new key.
 */
import { statSync } from 'node:fs';
import type { AssertionConfig } from '../config/types.js';
import { nowSeconds } from '../keys/clock.js';
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

const CHECK_INTERVAL_MS = 1000;

/** What identifies one version of the keyring file (a rotation writes a new file and renames it over). */
function fileStamp(path: string): string | undefined {
  try {
    const { mtimeMs, ino, size } = statSync(path);
    return `${mtimeMs}:${ino}:${size}`;
  } catch {
    return undefined;
  }
}

export class AssertionKeys {
  private keys: readonly AssertionKey[];
  private readonly timer: NodeJS.Timeout | undefined;

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
    // The first check reloads once: a rotation right after start must not slip between loading and stamping.
    let loaded: string | undefined;
    this.timer = setInterval(() => {
      const stamp = fileStamp(path);
      if (stamp === undefined || stamp === loaded) return;
      try {
        const next = readKeyring(path);
        if (next) this.keys = keysOfRing(next);
        loaded = stamp;
      } catch (error) {
        loaded = stamp; // reported once per version of the file
        options.onReloadError?.(error);
      }
    }, CHECK_INTERVAL_MS).unref();
  }

  /** The key that signs new assertions. */
  current(): AssertionKey {
    return this.keys[0]!;
  }

  /** Public keys to publish: the current one and those retired less than ttlSec + 5 minutes ago. */
  published(now = nowSeconds()): PublicJwk[] {
    return this.keys
      .filter((key) => key.retiredAt === undefined || key.retiredAt + this.config.ttlSec + RETIRED_KEY_GRACE_SEC > now)
      .map((key) => key.publicJwk);
  }

  close(): void {
    clearInterval(this.timer);
  }
}
