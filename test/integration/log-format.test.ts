/** `log.format: "pretty"`: a gateway process writes readable lines (pino-pretty) instead of JSON. */
import { describe, expect, it } from 'vitest';
import { closedPort } from '../support/echo-upstream.js';
import { startGatewayProcess } from '../support/gateway-process.js';
import { requestJson } from '../support/http-json.js';

describe('log.format "pretty"', () => {
  it('writes readable lines, request fields included, and no JSON', async () => {
    const gw = await startGatewayProcess({
      log: { level: 'info', format: 'pretty' },
      relays: [],
      store: { kind: 'memory' },
      // The request is refused before anything is forwarded: no upstream needs to listen.
      routes: [{ prefix: '/api', upstream: `http://127.0.0.1:${await closedPort()}`, auth: 'required' }],
    });
    try {
      expect((await requestJson('GET', `${gw.url}/api/nobody`)).status).toBe(401);
      await expect.poll(() => gw.output()).toMatch(/\] INFO: request\n(?:.*\n)*? +code: "ERR_AUTH_REQUIRED"/);
      expect(
        gw
          .output()
          .split('\n')
          .filter((line) => line.startsWith('{')),
      ).toEqual([]);
    } finally {
      await gw.stop();
    }
  });
});
