/**
 * An upstream as a team would write one behind a proxy with forward-auth: it trusts nothing but the
 * gateway's signed assertion, which it verifies with jose against the gateway's JWKS, and it records
 * every request it receives (headers and the verification result) for the test to inspect.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** Claims of a verified `x-portal-assertion`. */
  assertion?: JWTPayload;
  /** Why the assertion present did not verify. */
  assertionError?: string;
}

export interface AssertionUpstream {
  url: string;
  received: ReceivedRequest[];
  close(): Promise<void>;
}

/** `issuer` and `audience`: what the gateway must have put in each assertion. */
export async function startAssertionUpstream(
  jwksUrl: string,
  expected: { issuer: string; audience: string },
): Promise<AssertionUpstream> {
  const jwks = createRemoteJWKSet(new URL(jwksUrl));
  const received: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', async () => {
      const record: ReceivedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers };
      const assertion = req.headers['x-portal-assertion'];
      if (typeof assertion === 'string') {
        try {
          record.assertion = (await jwtVerify(assertion, jwks, { ...expected, algorithms: ['ES256'] })).payload;
        } catch (error) {
          record.assertionError = (error as Error).message;
        }
      }
      received.push(record);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(record));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
