/**
 * Set-up of the unit project: unit tests start no process and open no socket. Each way to do so
 * throws here, so a test that needs one fails at once and belongs in test/integration/.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
import net from 'node:net';

const require = createRequire(import.meta.url);
const childProcess = require('node:child_process') as Record<string, unknown>;

function refuse(what: string): never {
  throw new Error(`unit tests start no process and open no socket (${what}): move this test to test/integration/`);
}

for (const name of ['spawn', 'spawnSync', 'fork', 'exec', 'execSync', 'execFile', 'execFileSync']) {
  childProcess[name] = () => refuse(`child_process.${name}`);
}
syncBuiltinESMExports();
net.Server.prototype.listen = function listen() {
  return refuse('listen');
};
net.Socket.prototype.connect = function connect() {
  return refuse('connect');
};
