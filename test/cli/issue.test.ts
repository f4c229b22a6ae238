import { importJWK, jwtVerify } from 'jose';
import { npubEncode } from 'nostr-tools/nip19';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/issue.js';
import { verifyJwt } from '../../src/jwt/verify.js';
import { jwtVectors } from '../support/vectors.js';
import { evenYKeyFromOpenSsl, expectSecretAbsent, runInProcess, type Captured } from './helpers.js';

const issuer = evenYKeyFromOpenSsl();
const user = evenYKeyFromOpenSsl();
const NOW = 1_750_000_000;

function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

async function issue(
  argv: string[],
  env: Record<string, string> = { PORTAL_SERVICE_KEY: issuer.secretHex },
): Promise<Captured> {
  const result = await runInProcess(run, argv, { env });
  expectSecretAbsent([result.stdout, result.stderr], issuer.secretHex);
  return result;
}

describe('issue', () => {
  const reissuable = jwtVectors.filter(
    (v) =>
      v.expect === 'valid' &&
      v.claims?.iat !== undefined &&
      v.claims.nbf === v.claims.iat &&
      Object.keys(v.claims).length === 4 &&
      (v.claims.exp - v.claims.iat) % 3600 === 0 &&
      !v.name.startsWith('high_s'),
  );

  it('has published vectors to re-issue', () => {
    expect(reissuable.length).toBeGreaterThanOrEqual(2);
  });

  it.each(reissuable)('re-issues vector $name byte for byte', async (vector) => {
    const claims = vector.claims!;
    const hours = String((claims.exp - claims.iat!) / 3600);
    const result = await runInProcess(
      run,
      ['--key', vector.issuer_secret_hex, '--target', claims.target_key, '--hours', hours, '--now', String(claims.iat)],
      {
        env: {},
      },
    );
    expect(result).toEqual({ code: 0, stdout: `${vector.token}\n`, stderr: '' });
  });

  it('prints just the token, which jose@5 verifies with the issuer JWK', async () => {
    const result = await issue(['--target', user.publicHex, '--hours', '2']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]{86}\n$/);
    const token = result.stdout.trimEnd();
    const { payload, protectedHeader } = await jwtVerify(token, await importJWK(issuer.publicJwk, 'ES256K'));
    expect(protectedHeader).toEqual({ alg: 'ES256K' });
    expect(payload.target_key).toBe(user.publicHex);
    expect(payload.exp! - payload.iat!).toBe(7200);
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(10);
  });

  it('accepts the target as npub and as upper-case hex, with the same result', async () => {
    const base = ['--hours', '1', '--now', String(NOW)];
    const fromHex = await issue(['--target', user.publicHex, ...base]);
    const fromNpub = await issue(['--target', npubEncode(user.publicHex), ...base]);
    const fromUpper = await issue(['--target', user.publicHex.toUpperCase(), ...base]);
    expect(fromHex.code).toBe(0);
    expect(fromNpub.stdout).toBe(fromHex.stdout);
    expect(fromUpper.stdout).toBe(fromHex.stdout);
  });

  it('turns fractional hours into whole seconds', async () => {
    const result = await issue(['--target', user.publicHex, '--hours', '0.5', '--now', String(NOW)]);
    expect(payloadOf(result.stdout.trimEnd())).toMatchObject({ iat: NOW, nbf: NOW, exp: NOW + 1800 });
  });

  it('appends --claim values after the Portal claims', async () => {
    const result = await issue([
      '--target',
      user.publicHex,
      '--hours',
      '1',
      '--now',
      String(NOW),
      '--claim',
      'jti=abc',
      '--claim',
      'permissions=["read"]',
      '--claim',
      'level=3',
    ]);
    expect(result.code).toBe(0);
    const payload = payloadOf(result.stdout.trimEnd());
    expect(Object.keys(payload)).toEqual(['exp', 'nbf', 'iat', 'target_key', 'jti', 'permissions', 'level']);
    expect(payload).toMatchObject({ jti: 'abc', permissions: ['read'], level: 3 });
  });

  it('--permission (repeatable) sets the permissions claim, which the gateway verifier reads', async () => {
    const result = await issue([
      '--target',
      user.publicHex,
      '--hours',
      '1',
      '--now',
      String(NOW),
      '--permission',
      'read',
      '--permission',
      'admin',
      '--claim',
      'jti=x',
    ]);
    expect(result.code).toBe(0);
    const token = result.stdout.trimEnd();
    const payload = payloadOf(token);
    expect(Object.keys(payload)).toEqual(['exp', 'nbf', 'iat', 'target_key', 'jti', 'permissions']);
    expect(payload.permissions).toEqual(['read', 'admin']);
    expect(verifyJwt(issuer.publicHex, token, { now: NOW }).permissions).toEqual(['read', 'admin']);
  });

  it.each([
    [['--permission', 'read', '--claim', 'permissions=["x"]'], /--permission or with --claim permissions=…, not both/],
    [['--permission', ''], /--permission needs a non-empty name/],
    [['--claim', 'permissions=admin'], /--claim permissions must be a JSON array of strings/],
    [['--claim', 'permissions=[1]'], /--claim permissions must be a JSON array of strings/],
  ])('refuses permissions %j that would not verify (exit code 2)', async (extra, message) => {
    const result = await issue(['--target', user.publicHex, '--hours', '1', ...extra]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
  });

  it('--json prints the token, the issuer key and the claims', async () => {
    const result = await issue(['--target', user.publicHex, '--hours', '1', '--now', String(NOW), '--json']);
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as { token: string; issuer: string; claims: unknown };
    expect(Object.keys(output)).toEqual(['token', 'issuer', 'claims']);
    expect(output.issuer).toBe(issuer.publicHex);
    expect(output.claims).toEqual({ exp: NOW + 3600, nbf: NOW, iat: NOW, target_key: user.publicHex });
    const { payload } = await jwtVerify(output.token, await importJWK(issuer.publicJwk, 'ES256K'), {
      currentDate: new Date(NOW * 1000),
    });
    expect(payload).toEqual(output.claims);
  });

  const target = ['--target', user.publicHex];
  it.each([
    [['--hours', '1'], /^ERR_INVALID_ARGUMENT: missing required option --target/],
    [[...target], /^ERR_INVALID_ARGUMENT: missing required option --hours/],
    [[...target, '--hours', '0'], /^ERR_INVALID_ARGUMENT: --hours must be a positive number of hours/],
    [[...target, '--hours', '-1'], /^ERR_INVALID_ARGUMENT: option --hours needs a value/],
    [[...target, '--hours=-1'], /^ERR_INVALID_ARGUMENT: --hours must be a positive number of hours/],
    [[...target, '--hours', 'abc'], /^ERR_INVALID_ARGUMENT: --hours must be a positive number of hours/],
    [[...target, '--hours', '1e9'], /^ERR_INVALID_ARGUMENT: --hours must be a positive number of hours/],
    [[...target, '--hours', '99999999'], /^ERR_INVALID_ARGUMENT: exp is after 253402300799/],
    [
      [...target, '--hours', '1', '--claim', 'exp=1'],
      /^ERR_INVALID_ARGUMENT: extra claim "exp" would override a Portal claim/,
    ],
    [
      [...target, '--hours', '1', '--claim', 'sid=abc'],
      /^ERR_INVALID_ARGUMENT: --claim sid is reserved for the access tokens of wallet sign-in sessions/,
    ],
    [[...target, '--hours', '1', '--now', 'soon'], /^ERR_INVALID_ARGUMENT: --now must be a whole number of seconds/],
    [[...target, '--hours', '1', '--bogus'], /^ERR_INVALID_ARGUMENT: unknown option --bogus/],
  ])('refuses %j as a usage error (exit code 2, one line)', async (argv, message) => {
    const result = await issue(argv);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr.split('\n')).toHaveLength(2);
  });

  it('refuses a bad target key with ERR_KEY_INVALID and exit code 1', async () => {
    const result = await issue(['--target', 'npub1notakey', '--hours', '1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('ERR_KEY_INVALID: target key is not a valid npub (bad bech32 checksum or length)\n');
  });

  it('does not print a secret given as a stray argument or a misspelt option', async () => {
    for (const argv of [
      [issuer.secretHex, '--target', user.publicHex, '--hours', '1'],
      [`--kye=${issuer.secretHex}`, '--target', user.publicHex, '--hours', '1'],
      ['--key', `${issuer.secretHex}00`, '--target', user.publicHex, '--hours', '1'],
    ]) {
      const result = await issue(argv, {});
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/^ERR_[A-Z_]+: /);
    }
  });

  it('prints usage for --help, without needing a key', async () => {
    const result = await issue(['--help'], {});
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: portal-gateway issue --target <npub\|hex> --hours <N>/);
    for (const option of [
      '--key ',
      '--key-file',
      '--key-env',
      '--target',
      '--hours',
      '--permission',
      '--claim',
      '--now',
      '--json',
    ]) {
      expect(result.stdout).toContain(option);
    }
    expect(result.stdout).toContain('PORTAL_SERVICE_KEY');
  });
});
