import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultBackend, liftXOnly } from '../../src/keys/es256k.js';
import { VerifyPool } from '../../src/jwt/verify-pool.js';
import { createPrng } from '../support/prng.js';

const prng = createPrng(4711);
const N = secp256k1.Point.CURVE().n;

interface Case {
  label: string;
  signingInput: Uint8Array;
  signature: Uint8Array;
  key: Uint8Array;
}

interface Signer {
  secret: Uint8Array;
  /** 65-byte SEC1 uncompressed point, either y parity. */
  key: Uint8Array;
}

function newSigner(): Signer {
  const secret = secp256k1.utils.randomSecretKey(prng.bytes(48));
  return { secret, key: secp256k1.getPublicKey(secret, false) };
}

/** Random printable signing input, length varying so packing offsets vary. */
function randomInput(): Uint8Array {
  return Buffer.from(prng.bytes(1 + prng.int(400)).toString('base64url'));
}

function sign(signingInput: Uint8Array, signer: Signer): Uint8Array {
  return secp256k1.sign(sha256(signingInput), signer.secret, { prehash: false, lowS: true });
}

function withS(signature: Uint8Array, s: bigint): Uint8Array {
  const out = Uint8Array.from(signature);
  out.set(Buffer.from(s.toString(16).padStart(64, '0'), 'hex'), 32);
  return out;
}

function withR(signature: Uint8Array, r: bigint): Uint8Array {
  const out = Uint8Array.from(signature);
  out.set(Buffer.from(r.toString(16).padStart(64, '0'), 'hex'), 0);
  return out;
}

function sOf(signature: Uint8Array): bigint {
  return BigInt('0x' + Buffer.from(signature.subarray(32)).toString('hex'));
}

function flipBit(bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  const bit = prng.int(out.length * 8);
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

/** The independent answer: @noble/curves, high-S accepted like the pool. */
function nobleVerify({ signingInput, signature, key }: Case): boolean {
  try {
    return secp256k1.verify(signature, sha256(signingInput), key, { prehash: false, lowS: false });
  } catch {
    return false;
  }
}

/** The project's inline path; it throws on r or s >= n (its callers check the range first). */
function inlineVerify(
  signingInput: Uint8Array,
  signature: Uint8Array,
  key: NonNullable<ReturnType<typeof liftXOnly>>,
): boolean {
  try {
    return defaultBackend.verify(signingInput, signature, key);
  } catch {
    return false;
  }
}

/** One valid case and its variants; `edges` adds the out-of-range scalars. */
function casesFor(signer: Signer, other: Signer, edges: boolean): { valid: Case[]; invalid: Case[] } {
  const signingInput = randomInput();
  const signature = sign(signingInput, signer);
  const valid: Case[] = [
    { label: 'valid', signingInput, signature, key: signer.key },
    { label: 'high-S twin', signingInput, signature: withS(signature, N - sOf(signature)), key: signer.key },
  ];
  const invalid: Case[] = [
    { label: 'tampered message', signingInput: flipBit(signingInput), signature, key: signer.key },
    { label: 'tampered signature', signingInput, signature: flipBit(signature), key: signer.key },
    { label: 'wrong key', signingInput, signature, key: other.key },
  ];
  if (edges) {
    invalid.push(
      { label: 'r = 0', signingInput, signature: withR(signature, 0n), key: signer.key },
      { label: 's = 0', signingInput, signature: withS(signature, 0n), key: signer.key },
      { label: 's = n', signingInput, signature: withS(signature, N), key: signer.key },
      { label: 's = n + s', signingInput, signature: withS(signature, N + sOf(signature)), key: signer.key },
      { label: 's = 2^256 - 1', signingInput, signature: withS(signature, 2n ** 256n - 1n), key: signer.key },
      { label: 'r = n', signingInput, signature: withR(signature, N), key: signer.key },
    );
  }
  return { valid, invalid };
}

const pools: VerifyPool[] = [];
function newPool(threads = 2, maxPending?: number): VerifyPool {
  const pool = new VerifyPool({ threads, maxPending });
  pools.push(pool);
  return pool;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

/** Some valid signatures, each with its own input, to build call mixes from. */
function makeValidCases(count: number): Case[] {
  return Array.from({ length: count }, () => {
    const signer = newSigner();
    const signingInput = randomInput();
    return { label: 'valid', signingInput, signature: sign(signingInput, signer), key: signer.key };
  });
}

/** A random mix of valid cases and their tampered copies, with the expected answer of each. */
function randomMix(valid: readonly Case[], count: number): { cases: Case[]; expected: boolean[] } {
  const cases: Case[] = [];
  const expected: boolean[] = [];
  for (let i = 0; i < count; i++) {
    const base = prng.pick(valid);
    const ok = prng.int(2) === 0;
    cases.push(ok ? base : { ...base, signature: flipBit(base.signature) });
    expected.push(ok);
  }
  return { cases, expected };
}

const verifyAll = (pool: VerifyPool, cases: readonly Case[]): Promise<boolean[]> =>
  Promise.all(cases.map((c) => pool.verify(c.signingInput, c.signature, c.key)));

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('VerifyPool', () => {
  it('loads the native binding here', () => {
    expect(VerifyPool.supported).toBe(true);
  });

  it('agrees with @noble/curves and with the inline native backend on random keys, tampering, high-S and out-of-range scalars', async () => {
    const pool = newPool();
    const signers = Array.from({ length: 500 }, newSigner);
    const valid: Case[] = [];
    const invalid: Case[] = [];
    signers.forEach((signer, i) => {
      const cases = casesFor(signer, signers[(i + 1) % signers.length]!, i < 20);
      valid.push(...cases.valid);
      invalid.push(...cases.invalid);
    });
    // A point that is not on the curve: x = 5 has no y with y^2 = x^3 + 7.
    const offCurve = new Uint8Array(65);
    offCurve[0] = 0x04;
    offCurve[32] = 5;
    invalid.push({ ...valid[0]!, label: 'key off the curve', key: offCurve });

    const all = [...valid, ...invalid];
    const answers = await verifyAll(pool, all);
    all.forEach((c, i) => {
      expect({ label: c.label, answer: answers[i] }).toEqual({ label: c.label, answer: nobleVerify(c) });
    });
    expect(answers.slice(0, valid.length).every((a) => a)).toBe(true);
    expect(answers.slice(valid.length).some((a) => a)).toBe(false);

    // The inline backend verifies against the even-y lift of the key's x coordinate: for odd-y keys
    // that is the negated point, which must fail in both.
    const lifted = all.map((c) => liftXOnly(c.key.subarray(1, 33)));
    const inline: boolean[] = [];
    const liftedCases: Case[] = [];
    all.forEach((c, i) => {
      const key = lifted[i];
      if (!key) return; // the off-curve x
      inline.push(inlineVerify(c.signingInput, c.signature, key));
      liftedCases.push({ ...c, key: secp256k1.Point.fromBytes(key.compressed).toBytes(false) });
    });
    expect(liftedCases.length).toBe(all.length - 1);
    expect(await verifyAll(pool, liftedCases)).toEqual(inline);
    expect(inline.filter((a) => a).length).toBeGreaterThan(valid.length / 4);
  });

  it('keeps results matched to their calls for 2,000 concurrent verifications', async () => {
    const pool = newPool();
    const { cases, expected } = randomMix(makeValidCases(40), 2000);
    const answers = verifyAll(pool, cases);
    expect(pool.pending).toBe(2000);
    expect(await answers).toEqual(expected);
    expect(pool.pending).toBe(0);
  });

  it('rejects a key that is not 65 bytes synchronously and resolves false for a signature that is not 64 bytes', async () => {
    const pool = newPool(1);
    const [c] = makeValidCases(1) as [Case];
    expect(() => pool.verify(c.signingInput, c.signature, c.key.subarray(1))).toThrow(TypeError);
    expect(await pool.verify(c.signingInput, c.signature.subarray(0, 63), c.key)).toBe(false);
    expect(await pool.verify(c.signingInput, Uint8Array.from([...c.signature, 0]), c.key)).toBe(false);
    expect(await pool.verify(c.signingInput, c.signature, c.key)).toBe(true);
  });

  it('verifies a signing input longer than 65535 bytes correctly (inline)', async () => {
    const pool = newPool(1);
    const signer = newSigner();
    const signingInput = new Uint8Array(70_000).fill(0x41);
    const signature = sign(signingInput, signer);
    expect(await pool.verify(signingInput, signature, signer.key)).toBe(true);
    expect(await pool.verify(flipBit(signingInput), signature, signer.key)).toBe(false);
  });

  it('close() with calls still queued or in flight resolves every one correctly, and later calls still work', async () => {
    const valid = makeValidCases(20);
    for (const waitForSend of [false, true]) {
      const pool = newPool();
      const { cases, expected } = randomMix(valid, 1000);
      const answers = verifyAll(pool, cases);
      if (waitForSend) await nextTurn();
      await pool.close();
      expect(pool.pending).toBe(0);
      expect(await answers).toEqual(expected);
      await pool.close(); // idempotent
      const after = randomMix(valid, 10);
      expect(await verifyAll(pool, after.cases)).toEqual(after.expected);
    }
  });

  it('a worker terminated mid-batch: its calls are verified inline, and the worker is replaced on the next batch', async () => {
    const pool = newPool();
    const valid = makeValidCases(20);
    const { cases, expected } = randomMix(valid, 2000);
    const answers = verifyAll(pool, cases);
    await nextTurn(); // batches sent: about 14 ms of work for each
    const [victim] = pool.runningWorkers();
    expect(victim).toBeDefined();
    await victim!.terminate();
    expect(await answers).toEqual(expected);
    expect(pool.pending).toBe(0);

    const later = randomMix(valid, 500);
    expect(await verifyAll(pool, later.cases)).toEqual(later.expected);
    expect(pool.runningWorkers()).toHaveLength(2);
    expect(pool.runningWorkers()).not.toContain(victim);
  });

  it('a worker that throws: its calls are verified inline and later calls still work', async () => {
    const pool = newPool(1);
    const valid = makeValidCases(10);
    expect(await pool.verify(valid[0]!.signingInput, valid[0]!.signature, valid[0]!.key)).toBe(true);
    const [worker] = pool.runningWorkers();
    // Not a batch: the worker's message handler throws before it reaches the batches queued after it.
    worker!.postMessage(null);
    const { cases, expected } = randomMix(valid, 600);
    expect(await verifyAll(pool, cases)).toEqual(expected);

    const later = randomMix(valid, 50);
    expect(await verifyAll(pool, later.cases)).toEqual(later.expected);
    expect(pool.runningWorkers()).toHaveLength(1);
    expect(pool.runningWorkers()).not.toContain(worker);
  });

  it('saturated turns true at maxPending and false again once the results are back', async () => {
    const pool = newPool(2, 100);
    const { cases, expected } = randomMix(makeValidCases(10), 150);
    const answers: Promise<boolean>[] = [];
    for (const [i, c] of cases.entries()) {
      expect(pool.saturated).toBe(i >= 100);
      answers.push(pool.verify(c.signingInput, c.signature, c.key));
    }
    expect(pool.saturated).toBe(true);
    expect(pool.pending).toBe(150);
    expect(await Promise.all(answers)).toEqual(expected);
    expect(pool.pending).toBe(0);
    expect(pool.saturated).toBe(false);
  });

  it('sends the calls made while its worker is busy as one batch when the worker answers', async () => {
    const pool = newPool(1);
    const valid = makeValidCases(10);
    expect(await pool.verify(valid[0]!.signingInput, valid[0]!.signature, valid[0]!.key)).toBe(true);
    const [worker] = pool.runningWorkers();
    const posted = vi.spyOn(worker!, 'postMessage');
    // Four full batches (sent at once, 256 calls each) keep the worker busy for tens of milliseconds
    // while three more turns each add a call.
    const busy = randomMix(valid, 1024);
    const first = verifyAll(pool, busy.cases);
    const later: Promise<boolean>[] = [];
    for (let turn = 0; turn < 3; turn++) {
      await new Promise((resolve) => setImmediate(resolve));
      const c = valid[turn]!;
      later.push(pool.verify(c.signingInput, c.signature, c.key));
    }
    expect(await first).toEqual(busy.expected);
    expect(await Promise.all(later)).toEqual([true, true, true]);
    expect(posted.mock.calls.map(([message]) => (message as { count: number }).count)).toEqual([256, 256, 256, 256, 3]);
  });
});
