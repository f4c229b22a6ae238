/** What a failed SIGHUP reload logs: the error's code and its problems, one line each, none of its stack. */
import { ConfigInvalid, GatewayError, type ErrorCode } from '../errors.js';

export function reloadFailure(error: unknown): { code: ErrorCode; problems: readonly string[] } {
  const code = error instanceof GatewayError ? error.code : 'ERR_INTERNAL';
  const problems =
    error instanceof ConfigInvalid
      ? error.problems
      : [error instanceof Error ? error.message.split('\n')[0]! : String(error)];
  return { code, problems };
}
