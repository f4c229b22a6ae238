import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as decode from '../../src/cli/decode.js';
import { runCli, type CliCommand } from '../../src/cli/dispatch.js';
import * as keygen from '../../src/cli/keygen.js';
import { memoryIo, type Captured } from './helpers.js';

const failing: CliCommand = {
  summary: 'throws instead of returning an exit code',
  run: () => Promise.reject(new Error('boom\n    at somewhere (file.js:1:1)')),
};
const commands = { keygen, decode, failing };

async function cli(argv: string[]): Promise<Captured> {
  const { io, output } = memoryIo();
  const code = await runCli(commands, argv, io);
  return { code, ...output() };
}

describe('runCli', () => {
  it('--help lists every command with its summary', async () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const result = await cli(argv);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^Usage: portal-gateway <command> \[options\]\n/);
      expect(result.stdout).toContain(`  keygen   ${keygen.summary}\n`);
      expect(result.stdout).toContain(`  decode   ${decode.summary}\n`);
    }
  });

  it('with no command prints the overview on stderr, exit code 2', async () => {
    const result = await cli([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^Usage: portal-gateway <command>/);
  });

  it('passes the remaining arguments to the command', async () => {
    const result = await cli(['keygen', '--json']);
    expect(result.code).toBe(0);
    expect(Object.keys(JSON.parse(result.stdout) as object)).toEqual(['secretKey', 'publicKey', 'npub', 'nsec']);
  });

  it('"help <command>" shows the command usage', async () => {
    const result = await cli(['help', 'decode']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: portal-gateway decode /);
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(await cli(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it.each([
    [['frobnicate'], 'ERR_INVALID_ARGUMENT: unknown command "frobnicate" (see "portal-gateway --help")\n'],
    [['--frobnicate'], 'ERR_INVALID_ARGUMENT: unknown option --frobnicate (see "portal-gateway --help")\n'],
    [['-x'], 'ERR_INVALID_ARGUMENT: unknown option -x (see "portal-gateway --help")\n'],
    [['help', 'frobnicate'], 'ERR_INVALID_ARGUMENT: unknown command "frobnicate" (see "portal-gateway --help")\n'],
    [['toString'], 'ERR_INVALID_ARGUMENT: unknown command (see "portal-gateway --help")\n'],
  ])('refuses %j on one line with exit code 2', async (argv, stderr) => {
    expect(await cli(argv)).toEqual({ code: 2, stdout: '', stderr });
  });

  it('does not echo a key or token typed as the command or a top-level option', async () => {
    const secret = 'ab'.repeat(32);
    expect((await cli([secret])).stderr).toBe('ERR_INVALID_ARGUMENT: unknown command (see "portal-gateway --help")\n');
    expect((await cli([`--${secret}`])).stderr).toBe(
      'ERR_INVALID_ARGUMENT: unknown option (see "portal-gateway --help")\n',
    );
    expect((await cli([`--key=${secret}`])).stderr).toBe(
      'ERR_INVALID_ARGUMENT: unknown option (see "portal-gateway --help")\n',
    );
  });

  it('turns an unexpected error into one line and exit code 1, without a stack trace', async () => {
    expect(await cli(['failing'])).toEqual({ code: 1, stdout: '', stderr: 'portal-gateway: unexpected error: boom\n' });
  });
});
