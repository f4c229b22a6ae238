#!/usr/bin/env node
/** The `portal-gateway` program. To add a command: a module in src/cli/ and one line in COMMANDS. */
import * as assertionKey from './cli/assertion-key.js';
import * as checkConfig from './cli/check-config.js';
import * as decode from './cli/decode.js';
import * as demo from './cli/demo.js';
import { runCli, type CommandTable } from './cli/dispatch.js';
import { EXIT_OK, processIo } from './cli/io.js';
import * as issue from './cli/issue.js';
import * as keygen from './cli/keygen.js';
import * as login from './cli/login.js';
import * as serve from './cli/serve.js';
import * as verify from './cli/verify.js';
import * as wallet from './cli/wallet.js';

const COMMANDS: CommandTable = {
  serve,
  login,
  'check-config': checkConfig,
  keygen,
  issue,
  verify,
  decode,
  demo,
  wallet,
  'assertion-key': assertionKey,
};

process.exitCode = await runCli(COMMANDS, process.argv.slice(2), processIo());
// A failed command ends the program even if something it opened still holds the event loop: a supervisor
// must see the failure. The timer does not keep the process alive by itself.
if (process.exitCode !== EXIT_OK) setTimeout(() => process.exit(), 250).unref();
