import { SignJWT, importJWK } from 'jose';
import { npubEncode } from 'nostr-tools/nip19';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/verify.js';
import { CATEGORY_OF_CODE, jwtVectors } from '../support/vectors.js';
import { evenYKeyFromOpenSsl, runInProcess, type Captured, type IoOptions } from './helpers.js';

const issuer = evenYKeyFromOpenSsl();
const user = evenYKeyFromOpenSsl();
const NOW = 1_750_000_000;

async function joseToken(claims: Record<string, unknown>, expSec: number): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256K' })
    .setIssuedAt(NOW)
    .setNotBefore(NOW)
    .setExpirationTime(expSec)
    .sign(await importJWK(issuer.privateJwk, 'ES256K'));
}

/** Run verify and check what every run must hold: the token is never echoed. */
async function verify(argv: string[], token: string, options: IoOptions = {}): Promise<Captured> {
  const result = await runInProcess(run, argv, options);
  expect(result.stdout + result.stderr).not.toContain(token);
  return result;
}

describe('verify: the published vectors', () => {
  it.each(jwtVectors)('$name answers $expect', async (vector) => {
    const argv = [
      '--pubkey',
      vector.verify_with_pubkey_hex,
      '--now',
      String(vector.now),
      '--tolerance',
      String(vector.leeway_seconds),
      vector.token,
    ];
    const result = await verify(argv, vector.token);
    if (vector.expect === 'valid') {
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toEqual(vector.claims);
    } else {
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      const match = /^(ERR_[A-Z_]+): (.+)\n$/.exec(result.stderr);
      expect(match, result.stderr).not.toBeNull();
      expect(CATEGORY_OF_CODE[match![1]!]).toBe(vector.expect);
    }
  });
});

describe('verify', () => {
  it('accepts a token issued by jose@5 and prints its claims', async () => {
    const token = await joseToken({ target_key: user.publicHex, jti: 'j-1' }, NOW + 3600);
    const result = await verify(['--pubkey', npubEncode(issuer.publicHex), '--now', String(NOW + 10), token], token);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      target_key: user.publicHex,
      jti: 'j-1',
      iat: NOW,
      nbf: NOW,
      exp: NOW + 3600,
    });
  });

  it('reports an expired token on one line with exit code 1', async () => {
    const token = await joseToken({ target_key: user.publicHex }, NOW + 3600);
    const result = await verify(['--pubkey', issuer.publicHex, '--now', String(NOW + 3660)], token, {
      stdin: `${token}\n`,
    });
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: `ERR_JWT_EXPIRED: token expired at ${NOW + 3600} (now ${NOW + 3660}, tolerance 60 s)\n`,
    });
  });

  it('applies --tolerance', async () => {
    const token = await joseToken({ target_key: user.publicHex }, NOW + 3600);
    const at = ['--pubkey', issuer.publicHex, '--now', String(NOW + 3610)];
    expect((await verify([...at, '--tolerance', '10', token], token)).code).toBe(1);
    expect((await verify([...at, '--tolerance', '11', token], token)).code).toBe(0);
    expect((await verify([...at, token], token)).code).toBe(0);
  });

  it('uses the current time without --now', async () => {
    const nowSec = Math.floor(Date.now() / 1000);
    const token = await joseToken({ target_key: user.publicHex }, NOW + 3600);
    const result = await verify(['--pubkey', issuer.publicHex, token], token);
    expect(nowSec).toBeGreaterThan(NOW + 3660);
    expect(result.stderr).toMatch(/^ERR_JWT_EXPIRED: token expired at \d+ \(now \d+, tolerance 60 s\)\n$/);
  });

  it('refuses a token signed by another key', async () => {
    const token = await joseToken({ target_key: user.publicHex }, NOW + 3600);
    const result = await verify(['--pubkey', user.publicHex, '--now', String(NOW), token], token);
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: 'ERR_JWT_SIGNATURE: signature does not verify with the issuer key\n',
    });
  });

  it.each([
    ['not hex', 'zz'],
    ['a bad npub', 'npub1qqqqqqqq'],
    ['an off-curve x', '0'.repeat(63) + '5'],
  ])('refuses a pubkey that is %s with ERR_KEY_INVALID, exit code 1', async (_what, pubkey) => {
    const token = await joseToken({ target_key: user.publicHex }, NOW + 3600);
    const result = await verify(['--pubkey', pubkey, token], token);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^ERR_KEY_INVALID: issuer public key .+\n$/);
  });

  describe('standard input', () => {
    it.each([
      ['"-" with a trailing newline', ['-'], (t: string) => `${t}\n`],
      ['"-" with a trailing CRLF', ['-'], (t: string) => `${t}\r\n`],
      ['no argument, piped, no newline', [], (t: string) => t],
    ])('reads the token from %s', async (_what, rest, input) => {
      const token = await joseToken({ target_key: user.publicHex }, NOW + 3600);
      const result = await verify(['--pubkey', issuer.publicHex, '--now', String(NOW), ...rest], token, {
        stdin: input(token),
      });
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ target_key: user.publicHex });
    });

    it('removes only one trailing newline', async () => {
      const token = await joseToken({ target_key: user.publicHex }, NOW + 3600);
      const result = await verify(['--pubkey', issuer.publicHex, '--now', String(NOW), '-'], token, {
        stdin: `${token}\n\n`,
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^ERR_JWT_MALFORMED: /);
    });

    it('reports empty input', async () => {
      const result = await verify(['--pubkey', issuer.publicHex, '-'], 'unused-token', { stdin: '' });
      expect(result).toEqual({ code: 1, stdout: '', stderr: 'ERR_JWT_MALFORMED: standard input holds no token\n' });
    });

    it('stops reading a runaway input', async () => {
      const result = await verify(['--pubkey', issuer.publicHex, '-'], 'unused-token', { stdin: 'a'.repeat(70_000) });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^ERR_JWT_MALFORMED: standard input holds more than 65536 bytes/);
    });

    it('reports the real length of an oversized token', async () => {
      const result = await verify(['--pubkey', issuer.publicHex, '-'], 'unused-token', { stdin: 'a'.repeat(5000) });
      expect(result.stderr).toBe('ERR_JWT_MALFORMED: token is 5000 characters long; the limit is 4096\n');
    });

    it('asks for a token when there is no argument and stdin is a terminal', async () => {
      const result = await verify(['--pubkey', issuer.publicHex], 'unused-token', { tty: true });
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^ERR_INVALID_ARGUMENT: missing token/);
    });
  });

  it.each([
    [[], /missing required option --pubkey/],
    [['--pubkey', 'x', 'a', 'b'], /too many arguments \(at most 1\)/],
    [['--pubkey', 'x', '--now', '1.5', 't'], /--now must be a whole number of seconds/],
    [['--pubkey', 'x', '--tolerance', 'lots', 't'], /--tolerance must be a whole number of seconds/],
  ])('refuses %j as a usage error', async (argv, message) => {
    const result = await verify(argv, 'unused-token', { tty: true });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('prints usage for --help', async () => {
    const result = await verify(['--help'], 'unused-token');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: portal-gateway verify --pubkey <npub\|hex>.*<token\|->\n/);
    expect(result.stdout).toContain('--tolerance <sec>');
  });
});
