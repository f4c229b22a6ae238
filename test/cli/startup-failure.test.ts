import { describe, expect, it } from 'vitest';
import { listenFailure, startupFailureLine } from '../../src/cli/startup-failure.js';
import { ConfigInvalid, ListenFailed, StoreUnavailable } from '../../src/errors.js';

const listen = { host: '127.0.0.1', port: 8080 };
const nodeError = (code: string) => Object.assign(new Error(`listen ${code}`), { code });

describe('listenFailure', () => {
  it('names the three ways to choose another port when the port is taken or not allowed', () => {
    for (const code of ['EADDRINUSE', 'EACCES']) {
      const failure = listenFailure(nodeError(code), listen);
      expect(failure).toBeInstanceOf(ListenFailed);
      for (const way of ['listen.port', 'PORTAL_GATEWAY_PORT', '--port'])
        expect((failure as Error).message).toContain(way);
    }
    expect((listenFailure(nodeError('EADDRINUSE'), listen) as Error).message).toContain(
      '127.0.0.1:8080 is already in use',
    );
  });

  it('names the host settings for an address that is not on this machine, and leaves other errors alone', () => {
    const failure = listenFailure(nodeError('EADDRNOTAVAIL'), { host: '10.1.2.3', port: 80 }) as Error;
    for (const way of ['listen.host', 'PORTAL_GATEWAY_HOST', '--host']) expect(failure.message).toContain(way);
    const other = nodeError('EMFILE');
    expect(listenFailure(other, listen)).toBe(other);
  });
});

describe('startupFailureLine', () => {
  it('is one line whatever failed', () => {
    const lines = [
      startupFailureLine(
        new ConfigInvalid([
          'listen.port: must be an integer from 0 to 65535',
          'routes[0].auth: must be one of public, optional, required',
        ]),
      ),
      startupFailureLine(new StoreUnavailable('Redis store: connecting failed: connect ECONNREFUSED 127.0.0.1:6379'), {
        kind: 'redis',
        url: 'redis://127.0.0.1:6379',
      }),
      startupFailureLine(new StoreUnavailable('SQLite store: cannot open'), { kind: 'sqlite', path: 'x.db' }),
      startupFailureLine(new Error('first\nsecond')),
    ];
    for (const line of lines) expect(line).not.toContain('\n');
    expect(lines[0]).toBe(
      'ERR_CONFIG_INVALID: invalid configuration: listen.port: must be an integer from 0 to 65535; routes[0].auth: must be one of public, optional, required ' +
        '(fix the key or variable named; check-config --config <file> checks a file)',
    );
    expect(lines[1]).toMatch(/^ERR_STORE_UNAVAILABLE: .*: start Redis or correct store\.url$/);
    expect(lines[2]).toContain('store.path');
    expect(lines[3]).toBe('portal-gateway: cannot start: first');
  });
});
