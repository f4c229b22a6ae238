/**
 * Why `serve` could not start, as one line with the cause and the fix, so that a supervisor's log shows
 * it whole (the process then exits rather than lingering).
 */
import type { StoreConfig } from '../config/types.js';
import { ConfigInvalid, GatewayError, ListenFailed, StoreUnavailable } from '../errors.js';

/** Node's listen error as a ListenFailed naming the settings that choose the address; other errors as they are. */
export function listenFailure(error: unknown, listen: { host: string; port: number }): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const where = `${listen.host}:${listen.port}`;
  const port = 'listen.port, PORTAL_GATEWAY_PORT or --port';
  const host = 'listen.host, PORTAL_GATEWAY_HOST or --host';
  switch (code) {
    case 'EADDRINUSE':
      return new ListenFailed(`${where} is already in use: stop what listens there or choose another port (${port})`, {
        cause: error,
      });
    case 'EACCES':
      return new ListenFailed(`not allowed to listen on ${where}: choose a port above 1023 (${port})`, {
        cause: error,
      });
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ListenFailed(
        `cannot listen on ${where} (${code}): use an address of this machine such as 127.0.0.1 or 0.0.0.0 (${host})`,
        { cause: error },
      );
    default:
      return error;
  }
}

function storeFix(store: StoreConfig | undefined): string {
  if (store?.kind === 'redis') return 'start Redis or correct store.url';
  return 'check that store.path (or dataDir) is writable';
}

/** The line printed when start-up fails (without the newline). */
export function startupFailureLine(error: unknown, store?: StoreConfig): string {
  if (error instanceof ConfigInvalid) {
    return `${error.code}: invalid configuration: ${error.problems.join('; ')} (fix the key or variable named; check-config --config <file> checks a file)`;
  }
  if (error instanceof StoreUnavailable) return `${error.code}: ${error.message}: ${storeFix(store)}`;
  if (error instanceof GatewayError) return `${error.code}: ${error.message.replace(/\s*\n\s*/g, ' ')}`;
  const message = error instanceof Error ? error.message : String(error);
  return `portal-gateway: cannot start: ${message.split('\n')[0]}`;
}
