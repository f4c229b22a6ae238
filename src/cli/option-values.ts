/**
 * Numeric option values. Stricter than Number(): "", " 1", "0x10" and "1e3" are refused, so a typo
 * is an error rather than a surprising lifetime. Messages do not quote the value.
 */
import { InvalidArgument } from '../errors.js';

const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)$/;
const WHOLE = /^\d+$/;

/** A positive decimal number of hours, fractions allowed (e.g. `24`, `0.5`). */
export function parsePositiveHours(text: string, option: string): number {
  const hours = DECIMAL.test(text) ? Number(text) : Number.NaN;
  if (!(hours > 0) || !Number.isFinite(hours)) {
    throw new InvalidArgument(`${option} must be a positive number of hours, e.g. 24 or 0.5`);
  }
  return hours;
}

/** A non-negative whole number of seconds (a Unix time or a duration). */
export function parseWholeSeconds(text: string, option: string): number {
  const seconds = WHOLE.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(seconds))
    throw new InvalidArgument(`${option} must be a whole number of seconds, e.g. 1750000000 or 60`);
  return seconds;
}

export function parseOptionalWholeSeconds(text: string | undefined, option: string): number | undefined {
  return text === undefined ? undefined : parseWholeSeconds(text, option);
}

/** A TCP port number, 0 to 65535 (0: any free port). */
export function parsePort(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port > 65535)
    throw new InvalidArgument(`${option} must be a port number from 0 to 65535`);
  return port;
}
