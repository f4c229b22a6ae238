/**
 * The upstream API for the proxy benchmark: a bare node:http server answering every request with the same
 * small JSON body, so that the rows measure the proxies, not the API behind them.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { announce } from './announce.js';

const BODY = Buffer.from(JSON.stringify({ ok: true, service: 'bench-upstream', items: [1, 2, 3] }));

const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length }).end(BODY);
});
// The proxies keep their upstream connections open across a whole row; do not drop them mid-run.
server.keepAliveTimeout = 120_000;
server.listen(0, '127.0.0.1', () => announce((server.address() as AddressInfo).port));
