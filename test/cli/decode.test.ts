import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/decode.js';
import { issueJwt } from '../../src/jwt/issue.js';
import { evenYKeyFromOpenSsl, runInProcess } from './helpers.js';

const issuer = evenYKeyFromOpenSsl();
const user = evenYKeyFromOpenSsl();
const NOW = 1_750_000_000;
const WARNING = 'warning: NOT verified: the signature, issuer and expiry of this token were not checked\n';

describe('decode', () => {
  const token = issueJwt(issuer.secretHex, user.publicHex, 1, { now: NOW, extraClaims: { jti: 'x' } });
  const expected = {
    header: { alg: 'ES256K' },
    payload: { exp: NOW + 3600, nbf: NOW, iat: NOW, target_key: user.publicHex, jti: 'x' },
  };

  it('prints header and payload with a warning that nothing was verified', async () => {
    const result = await runInProcess(run, [token]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(expected);
    expect(result.stderr).toBe(WARNING);
  });

  it('decodes an expired token and one with a broken signature (nothing is checked)', async () => {
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const tampered = `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    const result = await runInProcess(run, [tampered]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(expected);
  });

  it('reads the token from standard input', async () => {
    const dash = await runInProcess(run, ['-'], { stdin: `${token}\n` });
    const piped = await runInProcess(run, [], { stdin: token });
    expect(JSON.parse(dash.stdout)).toEqual(expected);
    expect(JSON.parse(piped.stdout)).toEqual(expected);
  });

  it('reports a malformed token on one line without echoing it', async () => {
    const broken = `${token}.extra`;
    const result = await runInProcess(run, [broken]);
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr: 'ERR_JWT_MALFORMED: token has 4 segments; expected 3 (header.payload.signature)\n',
    });
  });

  it('refuses a second argument', async () => {
    const result = await runInProcess(run, [token, token]);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toContain(token);
  });

  it('prints usage for --help', async () => {
    const result = await runInProcess(run, ['-h']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: portal-gateway decode <token\|->\n/);
    expect(result.stdout).toContain('Nothing is checked');
  });
});
