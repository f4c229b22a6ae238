/**
 * The gateway's clock. One is chosen per gateway (`GatewayOptions.clock`, the system clock by default)
 * and handed to every part that tells time (verifiers, services, the login conversation, the stores), so
 * a test moves time instead of waiting for it.
 */

/** 9999-12-31T23:59:59Z: the largest time value accepted in a claim. */
export const MAX_TIME_VALUE = 253402300799;

/** Current Unix time in seconds, the fraction kept (records vanish at `expiresAt` exactly, as Redis keys do with PEXPIREAT). */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now() / 1000;

/** Whole Unix seconds on `clock`. */
export function nowSeconds(clock: Clock = systemClock): number {
  return Math.floor(clock());
}
