/** What the logs keep of a URL: the path and the parameter names, never a parameter value. */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loggerOptions, redactText, redactUrl } from '../../src/http/logging.js';

describe('redactUrl', () => {
  it.each([
    ['/api/x', '/api/x'],
    ['/api/x?access_token=V', '/api/x?access_token'],
    ['/api/x?ACCESS_TOKEN=V&page=2', '/api/x?ACCESS_TOKEN&page'],
    ['/api/x?access%5Ftoken=V', '/api/x?access%5Ftoken'],
    ['/api/x?access_token[]=V&access_token[]=W', '/api/x?access_token[]&access_token[]'],
    ['/api/x?jwt=V;token=W', '/api/x?jwt;token'],
    ['/api/x?auth=V&login_secret=W', '/api/x?auth&login_secret'],
    ['/api/x;token=V/rest?q=W', '/api/x;token/rest?q'],
    ['/api/x%3Btoken%3DV/rest', '/api/x%3Btoken/rest'],
    ['/api/x?access_token%3DV', '/api/x?access_token'],
    ['/api/x?next=/a?b=V&c', '/api/x?next&c'],
    ['/api/x?flag&empty=', '/api/x?flag&empty'],
    ['/api/x#access_token=V', '/api/x#access_token'],
    ['http://user:V@host/api?x=W', 'http://host/api?x'],
  ])('%s → %s', (url, logged) => {
    expect(redactUrl(url)).toBe(logged);
  });
});

describe('redactText', () => {
  it('drops parameter values from URLs quoted in a message, and leaves other text alone', () => {
    expect(redactText('Reply was already sent in the "/x?token=V&y=W" (GET) route')).toBe(
      'Reply was already sent in the "/x?token&y (GET) route',
    );
    expect(redactText('Route GET:/api/x;jwt=V not found')).toBe('Route GET:/api/x;jwt not found');
    expect(redactText('limit is a=b, no URL here')).toBe('limit is a=b, no URL here');
  });
});

describe('loggerOptions', () => {
  function logger() {
    const lines: string[] = [];
    const options = loggerOptions(
      { level: 'trace', format: 'json' },
      { write: (line: string) => void lines.push(line) },
    ) as pino.LoggerOptions & { stream: pino.DestinationStream };
    return { log: pino(options, options.stream), lines };
  }

  it('logs request URLs, messages and errors without parameter values', () => {
    const { log, lines } = logger();
    log.info({ req: { method: 'GET', url: '/api/x?access_token=VALUE1' } }, 'request');
    log.info('Route GET:/api/x?jwt=VALUE2 not found');
    log.warn('quoted %s', '/x?auth=VALUE3');
    const cause = new Error('upstream said /y?login_secret=VALUE4');
    log.error({ err: new Error('failed /z?token=VALUE5', { cause }) }, 'failed');
    const fields = { url: 'ws://upstream/socket?jwt=VALUE6', n: 1 };
    log.debug(fields, 'proxy websocket');
    const all = lines.join('\n');
    expect(JSON.parse(lines[4]!).url).toBe('ws://upstream/socket?jwt');
    expect(fields.url).toBe('ws://upstream/socket?jwt=VALUE6'); // the caller's object is not changed
    for (let i = 1; i <= 6; i += 1) expect(all).not.toContain(`VALUE${i}`);
    expect(JSON.parse(lines[0]!).req.url).toBe('/api/x?access_token');
    expect(JSON.parse(lines[1]!).msg).toBe('Route GET:/api/x?jwt not found');
    expect(JSON.parse(lines[3]!).err.message).toContain('failed /z?token');
  });

  it("drops the raw request bytes Node attaches to a client's parse error", () => {
    const { log, lines } = logger();
    const error = Object.assign(new Error('Parse Error: Invalid header value char'), {
      code: 'HPE_INVALID_HEADER_TOKEN',
      rawPacket: Buffer.from('GET /x?access_token=VALUE7 HTTP/1.1\r\nAuthorization: Bearer VALUE8\r\n'),
    });
    log.trace({ err: error }, 'client error');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!).err).toMatchObject({ code: 'HPE_INVALID_HEADER_TOKEN' });
    expect(lines[0]).not.toContain('rawPacket');
    expect(lines[0]).not.toContain('VALUE');
  });
});
