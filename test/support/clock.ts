/** A clock a test moves forward instead of sleeping: the system clock plus an offset. */
import type { Clock } from '../../src/keys/clock.js';

export interface MovableClock {
  readonly now: Clock;
  advance(seconds: number): void;
}

export function movableClock(): MovableClock {
  let offset = 0;
  return {
    now: () => Date.now() / 1000 + offset,
    advance(seconds) {
      offset += seconds;
    },
  };
}
