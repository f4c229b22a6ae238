/**
 * The lazy per-request logger: nothing is built for requests that write no line, and a line that is
 * written carries the request's bindings and the parent's redaction, exactly as a pino child would.
 */
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { LogLevel } from '../../src/config/types.js';
import { loggerOptions } from '../../src/http/logging.js';
import { lazyChildLoggerFactory } from '../../src/http/request-logger.js';

function parentLogger(level: LogLevel) {
  const lines: Record<string, unknown>[] = [];
  const options = loggerOptions(
    { level, format: 'json' },
    { write: (line: string) => void lines.push(JSON.parse(line)) },
  ) as pino.LoggerOptions & { stream: pino.DestinationStream };
  const logger = pino(options, options.stream);
  const child = vi.spyOn(logger, 'child');
  return { logger, lines, child };
}

const requestChild = (logger: pino.Logger, options = {}) =>
  lazyChildLoggerFactory.call(undefined as never, logger, { reqId: 'req-7' }, options, undefined as never);

describe('lazyChildLoggerFactory', () => {
  it('builds no child for a request that writes nothing at the configured level', () => {
    const { logger, lines, child } = parentLogger('warn');
    const log = requestChild(logger);
    log.info({ a: 1 }, 'not written');
    log.debug('not written');
    expect(child).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
    expect(log.level).toBe('warn');
  });

  it('writes lines with the request bindings and the redaction of the parent', () => {
    const { logger, lines, child } = parentLogger('info');
    const log = requestChild(logger);
    log.info({ headers: { authorization: 'Bearer secret-token' }, body: { token: 'secret-token' } }, 'first');
    log.error(new Error('boom'));
    log.warn('third %s', 'line');
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({
      reqId: 'req-7',
      msg: 'first',
      headers: { authorization: '[REDACTED]' },
      body: { token: '[REDACTED]' },
    });
    expect(lines[1]).toMatchObject({ reqId: 'req-7', level: 50, err: { message: 'boom' } });
    expect(lines[2]).toMatchObject({ reqId: 'req-7', msg: 'third line' });
    expect(JSON.stringify(lines)).not.toContain('secret-token');
  });

  it('hands out real children and level changes', () => {
    const { logger, lines } = parentLogger('warn');
    const log = requestChild(logger);
    log.child({ step: 'upstream' }).warn('nested');
    expect(lines[0]).toMatchObject({ reqId: 'req-7', step: 'upstream', msg: 'nested' });
    log.level = 'debug';
    log.debug('now written');
    expect(lines[1]).toMatchObject({ reqId: 'req-7', msg: 'now written' });
    expect(logger.level).toBe('warn');
  });

  it('builds the child at once for a route with its own level', () => {
    const { logger, lines, child } = parentLogger('warn');
    const log = requestChild(logger, { level: 'debug' });
    expect(child).toHaveBeenCalledTimes(1);
    log.debug('route level');
    expect(lines[0]).toMatchObject({ reqId: 'req-7', msg: 'route level' });
  });
});
