/**
 * Nostr event kinds of the Portal login (docs/protocol.md section 4). All three are in the ephemeral range
 * (20000-29999): relays forward them to live subscribers and never store them.
 */
export const KIND_AUTH_CHALLENGE = 27000;
export const KIND_AUTH_RESPONSE = 27001;
export const KIND_KEY_HANDSHAKE = 27010;

/** NIP-01 ephemeral range: never stored, so never replayed to a late subscriber. */
export function isEphemeralKind(kind: number): boolean {
  return kind >= 20000 && kind < 30000;
}
