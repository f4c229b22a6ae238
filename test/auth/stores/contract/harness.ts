/**
 * The shared store contract runs against every implementation through a harness: each call of
 * `open()` connects a new `Stores` instance to the same backing store (another replica, or the
 * same gateway after a restart).
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach } from 'vitest';
import type { SessionRecord, Stores } from '../../../../src/auth/stores/types.js';
import type { MovableClock } from '../../../support/clock.js';

export interface StoreHarness {
  open(): Promise<Stores>;
  /** The clock the stores expire records on, when the test may move it (absent: the store keeps its own time, as Redis does). */
  clock?: MovableClock;
  /** Removes the backing store (temp files, keys); called after every test. */
  dispose(): Promise<void>;
}

export type HarnessFactory = () => Promise<StoreHarness>;

export interface ContractContext {
  /** A new instance on the current test's backing store; closed after the test. */
  open(): Promise<Stores>;
  /** Moves the store's clock past `expiresAt` (Unix seconds), or waits for it where the store keeps its own time. */
  passTime(expiresAt: number): Promise<void>;
}

/** A fresh backing store per test; every instance opened on it is closed afterwards. */
export function useHarness(factory: HarnessFactory): ContractContext {
  let harness: StoreHarness | undefined;
  let opened: Stores[] = [];
  beforeEach(async () => {
    harness = await factory();
  });
  afterEach(async () => {
    await Promise.all(opened.map((stores) => stores.close()));
    opened = [];
    await harness?.dispose();
    harness = undefined;
  });
  return {
    async open() {
      if (!harness) throw new Error('open() is only available inside a test');
      const stores = await harness.open();
      opened.push(stores);
      return stores;
    },
    async passTime(expiresAt) {
      const clock = harness?.clock;
      if (clock) clock.advance(Math.max(0, expiresAt - clock.now()) + 0.15);
      else await sleepPast(expiresAt);
    },
  };
}

export function nowSec(): number {
  return Math.floor(Date.now() / 1000);
}

export function randomHex(bytes = 32): string {
  return randomBytes(bytes).toString('hex');
}

/** A session that starts now and lasts an hour, for a random user unless given. */
export function newSession(overrides: Partial<SessionRecord> = {}): SessionRecord {
  const now = nowSec();
  return {
    id: `s-${randomHex(8)}`,
    userKey: randomHex(),
    createdAt: now,
    lastUsedAt: now,
    expiresAt: now + 3600,
    permissions: ['read'],
    ...overrides,
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until the wall clock has passed `expiresAt` (Unix seconds). */
export async function sleepPast(expiresAt: number): Promise<void> {
  await sleep(Math.max(0, expiresAt * 1000 - Date.now()) + 150);
}

/** The first value a subscription delivers that matches, or a rejection after `timeoutMs`. */
export function nextValue<T>(
  subscribe: (listener: (value: T) => void) => () => void,
  matches: (value: T) => boolean,
  timeoutMs = 1000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`no matching notification within ${timeoutMs} ms`));
    }, timeoutMs);
    const unsubscribe = subscribe((value) => {
      if (!matches(value)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(value);
    });
  });
}
