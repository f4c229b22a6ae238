/**
 * ES256K signature verification on worker threads, so a flood of new tokens does not keep the event
 * loop busy with ECDSA (about 56 µs each) while other cores idle.
 *
 * Calls made in one turn of the event loop, or while a worker is busy with its previous batch, are
 * packed into one transferred ArrayBuffer per worker and answered with one Uint8Array of 0/1, so the
 * main thread pays a few µs per verification instead of the full ECDSA. Only libsecp256k1 runs here: check `VerifyPool.supported` before constructing.
 * The worker repeats the native backend's few lines (normalise to low-S, hash, verify) in its own source.
 */
import { Worker } from 'node:worker_threads';
import { nativeBindingPath, nativeVerify } from '../keys/es256k.js';

export interface VerifyPoolOptions {
  /** Worker threads; >= 1. */
  threads: number;
  /** Verifications queued or in flight across all threads at which `saturated` turns true. Default 4096. */
  maxPending?: number;
}

interface Entry {
  signingInput: Uint8Array;
  signature: Uint8Array;
  key: Uint8Array;
  resolve: (valid: boolean) => void;
}

interface Slot {
  /** Started on the first batch, and again on the next batch after a crash. */
  worker: Worker | undefined;
  /** Calls collected during the current turn of the event loop. */
  open: Entry[];
  /** Packed size of `open`. */
  openBytes: number;
  /** Batches sent and not yet answered, by batch id: kept so a crash can verify them inline. */
  inFlight: Map<number, Entry[]>;
  /** Entries in `open` and `inFlight`. */
  pending: number;
}

interface Reply {
  id: number;
  results: Uint8Array;
}

/** A record: u16 big-endian signing-input length, signing input, 64-byte r||s, 65-byte key. */
const RECORD_FIXED_BYTES = 2 + 64 + 65;
const MAX_SIGNING_INPUT = 0xffff;
/** Past this many entries a batch is sent at once, without waiting for the end of the turn. */
const MAX_BATCH = 256;

// A string evaluated by the worker rather than a module file: it then loads the same way when the
// project runs compiled, from source under a TypeScript loader, or inside the test runner's transform.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const binding = require(workerData.bindingPath);
function verify(signingInput, signature, key) {
  try {
    // The batch buffer belongs to this thread, so the signature is normalised in place.
    binding.signatureNormalize(signature);
    return binding.ecdsaVerify(signature, createHash('sha256').update(signingInput).digest(), key);
  } catch {
    return false; // r or s out of range, or the key is not a curve point
  }
}
parentPort.on('message', ({ id, count, batch }) => {
  const bytes = new Uint8Array(batch);
  const results = new Uint8Array(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const length = (bytes[at] << 8) | bytes[at + 1];
    const signingInput = bytes.subarray(at + 2, (at += 2 + length));
    const signature = bytes.subarray(at, (at += 64));
    const key = bytes.subarray(at, (at += 65));
    results[i] = verify(signingInput, signature, key) ? 1 : 0;
  }
  parentPort.postMessage({ id, results }, [results.buffer]);
});
`;

/** The worker's verification on this thread: for crashed workers, `close()` and oversized inputs. */
function verifyInline(entry: Entry): void {
  let valid = false;
  try {
    valid = nativeVerify!(entry.signingInput, entry.signature, entry.key);
  } catch {
    // r or s out of range, or the key is not a curve point: invalid, as in the worker.
  }
  entry.resolve(valid);
}

export class VerifyPool {
  private readonly slots: Slot[];
  private readonly maxPending: number;
  private nextBatchId = 0;
  private flushScheduled = false;
  private closed = false;
  private totalPending = 0;

  constructor(options: VerifyPoolOptions) {
    if (!VerifyPool.supported) throw new Error('VerifyPool needs the native secp256k1 binding');
    if (!Number.isInteger(options.threads) || options.threads < 1) {
      throw new RangeError(`threads must be an integer >= 1, got ${options.threads}`);
    }
    this.maxPending = options.maxPending ?? 4096;
    this.slots = Array.from({ length: options.threads }, () => ({
      worker: undefined,
      open: [],
      openBytes: 0,
      inFlight: new Map(),
      pending: 0,
    }));
  }

  /** True when the native backend is in use (the pool only runs libsecp256k1). */
  static get supported(): boolean {
    return nativeVerify !== undefined;
  }

  /**
   * ECDSA-SHA256 verification of a 64-byte r||s signature (high-S accepted, exactly like the inline
   * native backend) over `signingInput` (hashed with SHA-256 in the worker) for a 65-byte uncompressed
   * SEC1 public key. Resolves to true/false and never rejects: a signature that is not 64 bytes, or
   * whose r or s is out of range, resolves false. A key that is not 65 bytes is a programming error
   * and throws a TypeError synchronously. A signing input over 65535 bytes is verified inline.
   *
   * The arrays are read when the batch is sent and again if its worker crashes: do not modify them
   * until the promise settles. After `close()` every call is verified inline.
   */
  verify(signingInput: Uint8Array, signature: Uint8Array, uncompressedKey: Uint8Array): Promise<boolean> {
    if (uncompressedKey.length !== 65) {
      throw new TypeError(`expected a 65-byte uncompressed key, got ${uncompressedKey.length} bytes`);
    }
    if (signature.length !== 64) return Promise.resolve(false);
    return new Promise((resolve) => {
      const entry: Entry = { signingInput, signature, key: uncompressedKey, resolve };
      if (this.closed || signingInput.length > MAX_SIGNING_INPUT) {
        verifyInline(entry);
        return;
      }
      const slot = this.leastPending();
      slot.open.push(entry);
      slot.openBytes += RECORD_FIXED_BYTES + signingInput.length;
      slot.pending++;
      this.totalPending++;
      if (slot.open.length >= MAX_BATCH) this.send(slot);
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  /** Many pending: callers should verify inline instead (back-pressure without dropping anything). */
  get saturated(): boolean {
    return this.totalPending >= this.maxPending;
  }

  /** Verifications queued or in flight. */
  get pending(): number {
    return this.totalPending;
  }

  /**
   * Terminate the workers. Anything still pending is verified inline on the calling thread and
   * resolved (nothing is lost). Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const terminating: Promise<number>[] = [];
    for (const slot of this.slots) {
      const worker = slot.worker;
      // Cleared first so the exit event of the termination does not verify the same entries again.
      slot.worker = undefined;
      if (worker) terminating.push(worker.terminate());
      this.settleInline(slot);
    }
    await Promise.all(terminating);
  }

  /** Tests terminate one of these mid-batch to exercise crash recovery. */
  runningWorkers(): Worker[] {
    return this.slots.flatMap((slot) => (slot.worker ? [slot.worker] : []));
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    // A worker still busy with a batch gets the calls collected meanwhile as one batch when it answers:
    // they would wait in its message queue anyway, and fewer, larger batches cost less per call.
    for (const slot of this.slots) if (slot.open.length > 0 && slot.inFlight.size === 0) this.send(slot);
  };

  private leastPending(): Slot {
    let best = this.slots[0]!;
    for (const slot of this.slots) if (slot.pending < best.pending) best = slot;
    return best;
  }

  private send(slot: Slot): void {
    const entries = slot.open;
    const bytes = new Uint8Array(slot.openBytes);
    slot.open = [];
    slot.openBytes = 0;
    let at = 0;
    for (const { signingInput, signature, key } of entries) {
      bytes[at] = signingInput.length >>> 8;
      bytes[at + 1] = signingInput.length & 0xff;
      bytes.set(signingInput, at + 2);
      at += 2 + signingInput.length;
      bytes.set(signature, at);
      bytes.set(key, at + 64);
      at += 129;
    }
    const id = this.nextBatchId++;
    slot.inFlight.set(id, entries);
    const worker = (slot.worker ??= this.spawn(slot));
    // Referenced only while it owes answers: an idle pool never keeps the process alive.
    if (slot.inFlight.size === 1) worker.ref();
    worker.postMessage({ id, count: entries.length, batch: bytes.buffer }, [bytes.buffer]);
  }

  private spawn(slot: Slot): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bindingPath: nativeBindingPath } });
    worker.unref();
    worker.on('message', ({ id, results }: Reply) => {
      const entries = slot.inFlight.get(id);
      // Absent when the batch was already verified inline after a crash or `close()`.
      if (!entries) return;
      slot.inFlight.delete(id);
      if (slot.inFlight.size === 0) worker.unref();
      this.settled(slot, entries.length);
      for (let i = 0; i < entries.length; i++) entries[i]!.resolve(results[i] === 1);
      if (slot.open.length > 0 && slot.inFlight.size === 0) this.send(slot);
    });
    // An error is followed by an exit; either way the worker's batches are verified here instead.
    const lost = (): void => {
      if (slot.worker !== worker) return;
      slot.worker = undefined;
      void worker.terminate();
      this.settleInline(slot);
      // Calls that were waiting for this worker's answer go to its replacement.
      if (slot.open.length > 0) this.send(slot);
    };
    worker.on('error', lost);
    worker.on('exit', lost);
    return worker;
  }

  /** Verify inline everything queued for `slot` (a crash settles in-flight batches; `close()` also open ones). */
  private settleInline(slot: Slot): void {
    const batches = [...slot.inFlight.values()];
    slot.inFlight.clear();
    if (this.closed) {
      batches.push(slot.open);
      slot.open = [];
      slot.openBytes = 0;
    }
    for (const entries of batches) {
      this.settled(slot, entries.length);
      for (const entry of entries) verifyInline(entry);
    }
  }

  private settled(slot: Slot, count: number): void {
    slot.pending -= count;
    this.totalPending -= count;
  }
}
