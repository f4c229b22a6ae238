/**
 * The `upstream_failed` event: a proxied request the upstream did not answer (refused, reset, a TLS
 * certificate the gateway does not trust, no answer in `timeoutMs`) is answered 502/504 to the client
 * without details, an answer it broke off has the client's connection cut, and the operator gets why,
 * once per failed request, as nginx's error log does; `portal_gateway_upstream_failures_total` counts them
 * (an answer broken off still counts as a 200 in the request metrics).
 */
import { GatewayError, UpstreamTimeout, UpstreamUnavailable } from '../errors.js';
import { logEvent, type EventLogger } from '../events.js';

/** Longest `reason` written: enough for any socket or TLS error, not a whole stack of causes. */
const REASON_CHARS = 200;

export interface UpstreamFailureReport {
  log: EventLogger;
  /** The metrics' count, by route prefix and code. */
  count?: (route: string, code: string) => void;
}

export function reportUpstreamFailure(
  { log, count }: UpstreamFailureReport,
  route: string,
  upstream: string,
  error: GatewayError,
): void {
  // A body the client made too large also ends the upstream request: that is not the upstream's doing.
  if (error.code !== UpstreamUnavailable.code && error.code !== UpstreamTimeout.code) return;
  count?.(route, error.code);
  logEvent(log, 'upstream_failed', { route, upstream, code: error.code, reason: reasonOf(error) }, 'warn');
}

/** The underlying error's message and code (`connect ECONNREFUSED 127.0.0.1:3000 (ECONNREFUSED)`). */
function reasonOf(error: GatewayError): string {
  const cause = error.cause;
  if (!(cause instanceof Error)) return error.message;
  const code = (cause as { code?: unknown }).code;
  const text = typeof code === 'string' && !cause.message.includes(code) ? `${cause.message} (${code})` : cause.message;
  return text.replace(/\s+/g, ' ').slice(0, REASON_CHARS);
}
