/** A small seeded PRNG (sfc32) so randomised tests reproduce: print the seed, rerun with it. */
export interface Prng {
  readonly seed: number;
  /** Uniform 32-bit unsigned integer. */
  uint32(): number;
  /** Uniform integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  bytes(length: number): Buffer;
  pick<T>(items: readonly T[]): T;
}

export function createPrng(seed: number): Prng {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const uint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 16; i++) uint32(); // mix the seed in before the first output
  const int = (maxExclusive: number): number => Math.floor((uint32() / 2 ** 32) * maxExclusive);
  return {
    seed,
    uint32,
    int,
    bytes(length) {
      const out = Buffer.alloc(length);
      for (let i = 0; i < length; i++) out[i] = uint32() & 0xff;
      return out;
    },
    pick(items) {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[int(items.length)]!;
    },
  };
}

/** Seed from the environment variable `name` (decimal), else `fallback`. */
export function seedFromEnv(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const seed = Number(text);
  if (!Number.isInteger(seed)) throw new Error(`${name} must be an integer seed; got ${JSON.stringify(text)}`);
  return seed;
}
