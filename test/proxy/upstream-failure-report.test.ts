import { describe, expect, it } from 'vitest';
import { PayloadTooLarge, UpstreamTimeout, UpstreamUnavailable, type GatewayError } from '../../src/errors.js';
import type { EventLogger } from '../../src/events.js';
import { reportUpstreamFailure } from '../../src/proxy/upstream-failure-report.js';

/** What the last report counted, as [route, code]. */
let counted: [string, string][] = [];

/** What reportUpstreamFailure wrote, as [level, fields, message]. */
function logged(error: GatewayError): [string, Record<string, unknown>, string][] {
  counted = [];
  const lines: [string, Record<string, unknown>, string][] = [];
  const log: EventLogger = {
    info: (fields, message) => lines.push(['info', fields as Record<string, unknown>, message]),
    warn: (fields, message) => lines.push(['warn', fields as Record<string, unknown>, message]),
    error: (fields, message) => lines.push(['error', fields as Record<string, unknown>, message]),
  };
  reportUpstreamFailure(
    { log, count: (route, code) => counted.push([route, code]) },
    '/api',
    'http://10.0.0.5:3000',
    error,
  );
  return lines;
}

/** The fields of the one line logged. */
function fieldsOf(error: GatewayError): Record<string, unknown> {
  const lines = logged(error);
  expect(lines).toHaveLength(1);
  return lines[0]![1];
}

function socketError(message: string, code?: string): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}

describe('reportUpstreamFailure', () => {
  it('writes one upstream_failed warning with the route, the upstream origin, the code and the cause, and counts it', () => {
    const cause = socketError('connect ECONNREFUSED 10.0.0.5:3000', 'ECONNREFUSED');
    expect(logged(new UpstreamUnavailable(undefined, { cause }))).toEqual([
      [
        'warn',
        {
          event: 'upstream_failed',
          route: '/api',
          upstream: 'http://10.0.0.5:3000',
          code: 'ERR_UPSTREAM_UNAVAILABLE',
          reason: 'connect ECONNREFUSED 10.0.0.5:3000',
        },
        'upstream failed',
      ],
    ]);
    expect(counted).toEqual([['/api', 'ERR_UPSTREAM_UNAVAILABLE']]);
  });

  it('adds the error code when the message does not say it', () => {
    const cause = socketError('self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT');
    const fields = fieldsOf(new UpstreamUnavailable(undefined, { cause }));
    expect(fields.reason).toBe('self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)');
  });

  it('reports a timeout without a cause by its own message', () => {
    const fields = fieldsOf(new UpstreamTimeout());
    expect(fields).toMatchObject({
      code: 'ERR_UPSTREAM_TIMEOUT',
      reason: 'the upstream service did not answer in time',
    });
  });

  it('keeps the reason on one line and at most 200 characters', () => {
    const cause = socketError(`first line\n${'x'.repeat(500)}`);
    const fields = fieldsOf(new UpstreamUnavailable(undefined, { cause }));
    expect(fields.reason).toMatch(/^first line x+$/);
    expect((fields.reason as string).length).toBe(200);
  });

  it('neither logs nor counts a body the client made too large: not the upstream failing', () => {
    expect(logged(new PayloadTooLarge('request body is too large'))).toEqual([]);
    expect(counted).toEqual([]);
  });
});
