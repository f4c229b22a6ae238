/**
 * Which redis-server the Redis tests start, and whether they run at all. Kept apart from
 * redis-server.ts so the run's global setup can print the skip notice once without loading vitest.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `REDIS_SERVER_BIN` when set, else the first `redis-server` on the PATH; undefined when there is none. */
export function findRedisServer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.REDIS_SERVER_BIN) return env.REDIS_SERVER_BIN;
  return (env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, 'redis-server'))
    .find(isExecutable);
}

/** Where Redis tests are skipped: no redis-server, and not in CI (which must run them). */
export function redisTestsSkipped(env: NodeJS.ProcessEnv = process.env): boolean {
  return findRedisServer(env) === undefined && env.CI !== 'true';
}

export const REDIS_SKIP_NOTICE =
  'Redis tests skipped: no redis-server on the PATH. To run them, install Redis (e.g. apt-get install redis-server) or set REDIS_SERVER_BIN=/path/to/redis-server; with CI=true a missing redis-server fails the run.';

/** Vitest global setup: one line for the whole run when the Redis tests are skipped. */
export default function printRedisSkipNotice(): void {
  if (redisTestsSkipped()) console.warn(REDIS_SKIP_NOTICE);
}
