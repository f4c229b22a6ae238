/**
 * Text from elsewhere (a gateway's error message, a wallet's reason for declining) made safe for a
 * terminal: one line, no control characters (no escape sequences that could rewrite the screen),
 * at most `max` characters.
 */
export function printable(text: string, max: number): string {
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}
