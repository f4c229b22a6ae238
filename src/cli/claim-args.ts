/**
 * `--claim name=value` arguments of `issue`. A value that parses as JSON is used as JSON (numbers,
 * booleans, null, arrays, objects, "quoted strings"); anything else is a plain string.
 */
import { InvalidArgument } from '../errors.js';

function parseClaimValue(name: string, raw: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return raw;
  }
  // JSON.parse turns 1e400 into Infinity (serialised as null) and rounds big integers: both would
  // silently sign a different value than the one typed.
  if (
    typeof value === 'number' &&
    (!Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value)))
  ) {
    throw new InvalidArgument(
      `--claim ${name}: the number cannot be represented exactly; quote it ('${name}="…"') to send a string`,
    );
  }
  return value;
}

/** Extra claims in the order given. Portal's own claims are refused later by issueJwt. */
export function parseClaimArgs(specs: readonly string[]): Record<string, unknown> {
  const claims = new Map<string, unknown>();
  for (const spec of specs) {
    const equals = spec.indexOf('=');
    if (equals <= 0) throw new InvalidArgument('--claim must be name=value with a non-empty name');
    const name = spec.slice(0, equals);
    if (claims.has(name)) throw new InvalidArgument(`--claim ${JSON.stringify(name)} is given more than once`);
    claims.set(name, parseClaimValue(name, spec.slice(equals + 1)));
  }
  // fromEntries defines own properties, so a claim named "__proto__" stays a claim.
  return Object.fromEntries(claims);
}
