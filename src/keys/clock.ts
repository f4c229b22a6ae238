/** The gateway's clock: Unix seconds, and the largest time value a claim or a store record may hold. */

/** 9999-12-31T23:59:59Z: the largest time value accepted in a claim. */
export const MAX_TIME_VALUE = 253402300799;

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
