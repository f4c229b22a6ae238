/**
 * The keys one verifier has found on the curve, with their npub once asked for. The same users present
 * token after token (a new access token at each refresh), and both facts cost microseconds to compute
 * again: a square root for the curve check, bech32 for the npub. Bounded; each verifier keeps its own.
 */
import { npubEncode } from 'nostr-tools/nip19';
import { isCurvePoint } from './claims.js';

/** Keys remembered before the memo starts afresh. */
const MAX_KEYS = 50_000;

export class KnownKeys {
  /** x-only hex -> its npub, or null when only its curve check was asked for. */
  private readonly keys = new Map<string, string | null>();

  /** `isCurvePoint`, remembered: the check `validateClaims` makes of `target_key`. */
  readonly onCurve = (xOnlyHex: string): boolean => {
    if (this.keys.has(xOnlyHex)) return true;
    if (!isCurvePoint(xOnlyHex)) return false;
    this.remember(xOnlyHex, null);
    return true;
  };

  /** The npub of a key known to be on the curve. */
  readonly npub = (xOnlyHex: string): string => {
    let npub = this.keys.get(xOnlyHex);
    if (npub == null) {
      npub = npubEncode(xOnlyHex);
      this.remember(xOnlyHex, npub);
    }
    return npub;
  };

  private remember(xOnlyHex: string, npub: string | null): void {
    if (this.keys.size >= MAX_KEYS) this.keys.clear();
    this.keys.set(xOnlyHex, npub);
  }
}
