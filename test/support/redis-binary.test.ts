import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findRedisServer, redisTestsSkipped } from './redis-binary.js';

const dir = mkdtempSync(join(tmpdir(), 'portal-gateway-redis-lookup-'));
const empty = join(dir, 'empty');
const bin = join(dir, 'bin');
mkdirSync(empty);
mkdirSync(bin);
const onPath = join(bin, 'redis-server');
writeFileSync(onPath, '#!/bin/sh\n');
chmodSync(onPath, 0o755);
writeFileSync(join(empty, 'redis-server'), 'not executable');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('findRedisServer', () => {
  it('finds an executable redis-server on the PATH, skipping non-executable ones', () => {
    expect(findRedisServer({ PATH: [empty, bin].join(delimiter) })).toBe(onPath);
  });

  it('takes REDIS_SERVER_BIN first', () => {
    expect(findRedisServer({ PATH: bin, REDIS_SERVER_BIN: '/opt/redis/bin/redis-server' })).toBe(
      '/opt/redis/bin/redis-server',
    );
  });

  it('finds nothing without either', () => {
    expect(findRedisServer({ PATH: empty })).toBeUndefined();
    expect(findRedisServer({})).toBeUndefined();
  });
});

describe('redisTestsSkipped', () => {
  it('skips only where there is no redis-server and CI is not true', () => {
    expect(redisTestsSkipped({ PATH: empty })).toBe(true);
    expect(redisTestsSkipped({ PATH: empty, CI: 'true' })).toBe(false);
    expect(redisTestsSkipped({ PATH: bin })).toBe(false);
  });
});
