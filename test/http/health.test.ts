/**
 * The readiness checks' bounds: a check that hangs is cut off at its timeout, a result is reused for
 * the cache period, and callers arriving while a check runs share that run.
 */
import { describe, expect, it } from 'vitest';
import { cachedCheck } from '../../src/http/health.js';

describe('cachedCheck', () => {
  it('answers "not ok" at the timeout when the check hangs', async () => {
    const check = cachedCheck(() => new Promise<string>(() => {}), 50, 1000);
    const started = performance.now();
    expect(await check()).toEqual({ ok: false, status: 'no answer within 50 ms' });
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('reports a failing check with its reason', async () => {
    const check = cachedCheck(() => Promise.reject(new Error('ECONNREFUSED')), 50, 0);
    expect(await check()).toEqual({ ok: false, status: 'ECONNREFUSED' });
  });

  it('runs the check once for callers that arrive together, and again only after the cache period', async () => {
    let runs = 0;
    const check = cachedCheck(
      async () => {
        runs += 1;
        await new Promise((resolve) => setTimeout(resolve, 10));
        return `run ${runs}`;
      },
      500,
      100,
    );
    const together = await Promise.all([check(), check(), check()]);
    expect(together).toEqual([
      { ok: true, status: 'run 1' },
      { ok: true, status: 'run 1' },
      { ok: true, status: 'run 1' },
    ]);
    expect(await check()).toEqual({ ok: true, status: 'run 1' });
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await check()).toEqual({ ok: true, status: 'run 2' });
    expect(runs).toBe(2);
  });
});
