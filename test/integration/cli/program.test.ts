/** End to end: the real `portal-gateway` program (src/cli.ts) in a child process. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, importJWK } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { evenYKeyFromOpenSsl, expectSecretAbsent, runProgram, type Captured } from '../../cli/helpers.js';

interface KeygenJson {
  secretKey: string;
  publicKey: string;
  npub: string;
  nsec: string;
}

const dir = mkdtempSync(join(tmpdir(), 'portal-gateway-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const user = evenYKeyFromOpenSsl();
const NOW = Math.floor(Date.now() / 1000);

describe('portal-gateway (child process)', () => {
  it('--help lists the commands; unknown commands and options exit 2 with one line', async () => {
    const [help, issueHelp, unknown, unknownOption] = await Promise.all([
      runProgram(['--help']),
      runProgram(['issue', '--help']),
      runProgram(['frobnicate']),
      runProgram(['verify', '--frobnicate']),
    ]);
    expect(help.code).toBe(0);
    for (const command of ['keygen', 'issue', 'verify', 'decode'])
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(issueHelp.code).toBe(0);
    expect(issueHelp.stdout).toMatch(/^Usage: portal-gateway issue /);
    expect(unknown).toEqual({
      code: 2,
      stdout: '',
      stderr: 'ERR_INVALID_ARGUMENT: unknown command "frobnicate" (see "portal-gateway --help")\n',
    });
    expect(unknownOption).toEqual({
      code: 2,
      stdout: '',
      stderr: 'ERR_INVALID_ARGUMENT: unknown option --frobnicate (see "portal-gateway verify --help")\n',
    });
  });

  it('keygen → issue (key from a file, from PORTAL_SERVICE_KEY, from --key-env) → verify', async () => {
    const keygen = await runProgram(['keygen', '--json']);
    expect(keygen.code).toBe(0);
    const pair = JSON.parse(keygen.stdout) as KeygenJson;
    const keyFile = join(dir, 'service.key');
    writeFileSync(keyFile, `${pair.secretKey}\n`, { mode: 0o600 });

    const claims = ['--target', user.publicHex, '--hours', '1', '--now', String(NOW), '--claim', 'jti=e2e'];
    const issued = await Promise.all([
      runProgram(['issue', '--key-file', keyFile, ...claims]),
      runProgram(['issue', ...claims], { env: { PORTAL_SERVICE_KEY: pair.nsec } }),
      runProgram(['issue', '--key-env', 'E2E_KEY', ...claims], { env: { E2E_KEY: pair.secretKey } }),
    ]);
    for (const result of issued) {
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
    }
    // Deterministic signatures: the same key and claims give the same token from every key source.
    const token = issued[0]!.stdout.trimEnd();
    expect(issued.map((r) => r.stdout)).toEqual([`${token}\n`, `${token}\n`, `${token}\n`]);

    const verified = await Promise.all([
      runProgram(['verify', '--pubkey', pair.npub], { stdin: `${token}\n` }),
      runProgram(['verify', '--pubkey', pair.publicKey, token]),
      runProgram(['verify', '--pubkey', pair.npub, '-'], { stdin: token }),
    ]);
    for (const result of verified) {
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toEqual({
        exp: NOW + 3600,
        nbf: NOW,
        iat: NOW,
        target_key: user.publicHex,
        jti: 'e2e',
      });
    }

    // Only keygen ever prints the secret.
    expect(keygen.stdout).toContain(pair.secretKey);
    expectSecretAbsent(
      [...issued, ...verified].flatMap((r: Captured) => [r.stdout, r.stderr]),
      pair.secretKey,
      pair.nsec,
    );
  });

  it('verifies a token issued by jose@5 (ES256K, even-y JWK)', async () => {
    const issuer = evenYKeyFromOpenSsl();
    const token = await new SignJWT({ target_key: user.publicHex })
      .setProtectedHeader({ alg: 'ES256K' })
      .setIssuedAt(NOW)
      .setExpirationTime(NOW + 600)
      .sign(await importJWK(issuer.privateJwk, 'ES256K'));
    const result = await runProgram(['verify', '--pubkey', issuer.publicHex, token]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ target_key: user.publicHex, iat: NOW, exp: NOW + 600 });
  });

  it('reports an expired token, a bad pubkey and a wrong signer with exit code 1 and one line', async () => {
    const issuer = evenYKeyFromOpenSsl();
    const issued = await runProgram(
      ['issue', '--key-env', 'K', '--target', user.publicHex, '--hours', '1', '--now', String(NOW - 7200)],
      {
        env: { K: issuer.secretHex },
      },
    );
    const expiredToken = issued.stdout.trimEnd();
    const [expired, badKey, wrongSigner] = await Promise.all([
      runProgram(['verify', '--pubkey', issuer.publicHex, '-'], { stdin: `${expiredToken}\n` }),
      runProgram(['verify', '--pubkey', 'npub1notakey', expiredToken]),
      runProgram(['verify', '--pubkey', user.publicHex, '--now', String(NOW - 7000), expiredToken]),
    ]);
    expect(expired.code).toBe(1);
    expect(expired.stdout).toBe('');
    expect(expired.stderr).toMatch(
      new RegExp(`^ERR_JWT_EXPIRED: token expired at ${NOW - 3600} \\(now \\d+, tolerance 60 s\\)\\n$`),
    );
    expect(badKey).toEqual({
      code: 1,
      stdout: '',
      stderr: 'ERR_KEY_INVALID: issuer public key is not a valid npub (bad bech32 checksum or length)\n',
    });
    expect(wrongSigner).toEqual({
      code: 1,
      stdout: '',
      stderr: 'ERR_JWT_SIGNATURE: signature does not verify with the issuer key\n',
    });
    for (const result of [issued, expired, badKey, wrongSigner])
      expectSecretAbsent([result.stdout, result.stderr], issuer.secretHex);
    for (const result of [expired, badKey, wrongSigner]) expect(result.stderr).not.toContain(expiredToken);
  });

  it('refuses a bad --hours and a malformed key without printing the key', async () => {
    const issuer = evenYKeyFromOpenSsl();
    const [hours, badKey] = await Promise.all([
      runProgram(['issue', '--target', user.publicHex, '--hours', 'soon'], {
        env: { PORTAL_SERVICE_KEY: issuer.secretHex },
      }),
      runProgram(['issue', '--key', `${issuer.secretHex}ff`, '--target', user.publicHex, '--hours', '1']),
    ]);
    expect(hours).toEqual({
      code: 2,
      stdout: '',
      stderr: 'ERR_INVALID_ARGUMENT: --hours must be a positive number of hours, e.g. 24 or 0.5\n',
    });
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toBe(
      'ERR_KEY_INVALID: secret key given with --key must be 64 hex characters or an nsec1… string; got a string of 66 characters\n',
    );
    expectSecretAbsent([hours.stdout, hours.stderr, badKey.stdout, badKey.stderr], issuer.secretHex);
  });

  it('decode prints header and payload and warns on stderr', async () => {
    const issuer = evenYKeyFromOpenSsl();
    const issued = await runProgram(['issue', '--target', user.publicHex, '--hours', '1', '--now', String(NOW)], {
      env: { PORTAL_SERVICE_KEY: issuer.secretHex },
    });
    const result = await runProgram(['decode', '-'], { stdin: issued.stdout });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      header: { alg: 'ES256K' },
      payload: { exp: NOW + 3600, nbf: NOW, iat: NOW, target_key: user.publicHex },
    });
    expect(result.stderr).toMatch(/^warning: NOT verified/);
  });
});
