/**
 * Tokens for the proxy benchmark: one service key that both the gateway and the jose proxy trust, the
 * single token reused by the cache-hit rows, and a pool of distinct tokens for the cache-miss rows.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import type { JWK } from 'jose';
import { createJwtIssuer, generateKeyPair, type JwtIssuer } from '../../src/index.js';

/** Users in the pool; tokens differ by user and issue time, so none repeats. */
const USERS = 1_000;
/** Long enough for any run; iat goes back up to (pool size / USERS) seconds. */
const TTL_SEC = 6 * 3600;

export interface BenchKeys {
  /** Secret of the gateway's service key: only ever passed to the gateway child's environment. */
  serviceSecret: string;
  /** The service key's x-only point lifted to even y, as jose wants it. */
  publicJwk: JWK;
  issuer: JwtIssuer;
}

export function benchKeys(): BenchKeys {
  const { secretKey, publicKey } = generateKeyPair();
  // Portal keys are x-only (BIP-340 style): the verifying point is the even-y lift of x.
  const point = secp256k1.Point.fromHex(`02${publicKey}`).toBytes(false);
  const publicJwk: JWK = {
    kty: 'EC',
    crv: 'secp256k1',
    x: Buffer.from(point.subarray(1, 33)).toString('base64url'),
    y: Buffer.from(point.subarray(33)).toString('base64url'),
  };
  return { serviceSecret: secretKey, publicJwk, issuer: createJwtIssuer(secretKey) };
}

/** `count` distinct valid tokens: USERS users, each with tokens issued one second apart. */
export function tokenPool(issuer: JwtIssuer, count: number): string[] {
  const users = Array.from({ length: Math.min(USERS, count) }, () => generateKeyPair().publicKey);
  const now = Math.floor(Date.now() / 1000);
  return Array.from({ length: count }, (_, i) =>
    issuer.issue(users[i % users.length]!, { ttlSec: TTL_SEC, now: now - Math.floor(i / users.length) }),
  );
}

/** Hands out a pool's tokens in order, one per request, and notes whether it ever had to start over. */
export class TokenCursor {
  private next = 0;
  wrapped = false;

  constructor(private readonly pool: readonly string[]) {}

  /** Arrow property: autocannon calls it detached, once per request. */
  readonly take = (): string => {
    if (this.next === this.pool.length) [this.next, this.wrapped] = [0, true];
    return this.pool[this.next++]!;
  };

  describe(): string {
    return this.wrapped
      ? 'pool exhausted, tokens repeated'
      : `${this.next.toLocaleString('en-US')} used, none repeated`;
  }
}
