/**
 * Runs the dev relay as its own process: `node --import tsx test/support/relay-main.ts --port N`.
 * Prints `READY <port>` once listening; exits when its parent closes stdin, so a crashed test run
 * leaves no relay behind.
 */
import { startEmbeddedRelay } from '../../src/nostr/embedded-relay.js';

const portArg = process.argv.indexOf('--port');
const port = portArg >= 0 ? Number(process.argv[portArg + 1]) : 0;
const relay = await startEmbeddedRelay({ port });
process.stdout.write(`READY ${relay.port}\n`);

const stop = (): void => void relay.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
