/**
 * Memory soak (goal 5 of the proxy benchmark): the gateway serves 1,000,000 requests carrying 10,000
 * distinct live tokens in turn, and its resident memory is sampled four times a second. RSS breathes
 * with V8's heap (tens of MB between collections), so each 100,000 requests report their lowest, highest
 * and last sample, and the goals are judged on the lowest of each window's second half (by then the
 * caches are full, even in the first window): a leak per token, request or connection raises the floor
 * that the collections come back down to, while the peaks come and go.
 *
 *   npm run bench:soak [-- --requests 1000000 --tokens 10000 --connections 50]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { startChild, type ChildServer } from './proxy/children.js';
import { PATH } from './proxy/load.js';
import { rowEnvironment, ROWS } from './proxy/rows.js';
import { TokenCursor, benchKeys, tokenPool } from './proxy/tokens.js';

const { values } = parseArgs({
  options: { requests: { type: 'string' }, tokens: { type: 'string' }, connections: { type: 'string' } },
});
const total = Number(values.requests ?? 1_000_000);
const distinct = Number(values.tokens ?? 10_000);
const connections = Number(values.connections ?? 50);
const STEP = total / 10;

/** Resident set of a process in MB, from /proc (Linux). */
function rssMb(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) / 1024;
}

const keys = benchKeys();
const cursor = new TokenCursor(tokenPool(keys.issuer, distinct));
console.log(
  `Memory soak, ${new Date().toISOString()}: ${total.toLocaleString('en-US')} requests, ${distinct.toLocaleString('en-US')} distinct tokens in turn, ${connections} connections; Node ${process.version}\n`,
);

const servers: ChildServer[] = [];
try {
  const upstream = await startChild('upstream');
  servers.push(upstream);
  const gatewayRow = ROWS.find((r) => r.key === 'reused')!;
  const gateway = await startChild('gateway', rowEnvironment(gatewayRow, upstream.url, keys, 'warn'));
  servers.push(gateway);

  const samples: [number, number][] = [];
  let failures = 0;
  console.log('requests    RSS MB: lowest (2nd half)  highest     last');
  for (let served = STEP; served <= total; served += STEP) {
    const window: number[] = [];
    const sampler = setInterval(() => window.push(rssMb(gateway.pid)), 250);
    const result = await autocannon({
      url: gateway.url,
      connections,
      amount: STEP,
      requests: [
        {
          method: 'GET',
          path: PATH,
          setupRequest: (request) => ({
            ...request,
            headers: { ...request.headers, authorization: `Bearer ${cursor.take()}` },
          }),
        },
      ],
    });
    clearInterval(sampler);
    failures += result.non2xx + result.errors + result.timeouts;
    window.push(rssMb(gateway.pid));
    const lowest = Math.min(...window.slice(window.length >> 1));
    samples.push([served, lowest]);
    const mb = (value: number) => value.toFixed(1).padStart(8);
    console.log(
      `${served.toLocaleString('en-US').padStart(9)}                      ${mb(lowest)} ${mb(Math.max(...window))} ${mb(window.at(-1)!)}`,
    );
  }

  const at = (n: number) => samples.find(([served]) => served === n)![1];
  const growth = at(total) - at(STEP);
  const lateGrowth = Math.max(...samples.filter(([n]) => n >= total / 2).map(([, rss]) => rss)) - at(total / 2);
  console.log(`\n${failures} failed requests`);
  console.log(
    `goal 5a. lowest RSS by ${total.toLocaleString('en-US')} within 50 MB of by ${STEP.toLocaleString('en-US')}: ${growth >= 0 ? '+' : ''}${growth.toFixed(1)} MB ${failures === 0 && growth <= 50 ? 'PASS' : 'FAIL'}`,
  );
  console.log(
    `goal 5b. lowest RSS flat from ${(total / 2).toLocaleString('en-US')} on (at most 10 MB above): +${lateGrowth.toFixed(1)} MB ${failures === 0 && lateGrowth <= 10 ? 'PASS' : 'FAIL'}`,
  );
  if (failures > 0) process.exitCode = 1;
} finally {
  for (const server of servers.reverse()) await server.stop();
}
