/**
 * Lifecycle events: one log line each with a stable `event` name that log pipelines can match on (the
 * README lists them all). Their fields are identifiers (relay URL, login and session ids, npub), never
 * a token, a secret or a query value. HTTP-free parts of the gateway get an `EmitEvent`; routes write
 * through their request logger with the same `event` field.
 */
export type GatewayEvent =
  | 'relay_connected'
  | 'relay_disconnected'
  | 'relay_reconnected'
  | 'store_unavailable'
  | 'store_recovered'
  | 'login_started'
  | 'login_handshake'
  | 'login_approved'
  | 'login_declined'
  | 'login_expired'
  | 'session_refreshed'
  | 'refresh_token_reused'
  | 'logout'
  | 'logout_everywhere'
  | 'session_ended'
  | 'admin_token_issued'
  | 'relay_added'
  | 'relay_removed'
  | 'relays_reloaded'
  | 'relays_reload_failed'
  | 'tls_reloaded'
  | 'tls_reload_failed'
  | 'upstream_failed';

export type EventLevel = 'info' | 'warn' | 'error';

export type EmitEvent = (event: GatewayEvent, fields?: Record<string, unknown>, level?: EventLevel) => void;

/** The part of a pino logger events need. */
export interface EventLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** One event written to `log`: `{"event":"relay_connected","url":…,"msg":"relay connected"}`. */
export function logEvent(
  log: EventLogger,
  event: GatewayEvent,
  fields: Record<string, unknown> = {},
  level: EventLevel = 'info',
  message = event.replaceAll('_', ' '),
): void {
  log[level]({ event, ...fields }, message);
}

/** Events written to `log`, for the parts of the gateway that have no logger of their own. */
export function logEvents(log: EventLogger): EmitEvent {
  return (event, fields, level) => logEvent(log, event, fields, level);
}

/** For the services used without a gateway around them (library use, tests). */
export const ignoreEvents: EmitEvent = () => {};
