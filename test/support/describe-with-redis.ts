import { describe } from 'vitest';
import { redisTestsSkipped } from './redis-binary.js';

/** `describe` for tests that need a real Redis: skipped where there is no redis-server, unless CI=true. */
export const describeWithRedis = redisTestsSkipped() ? describe.skip : describe;
