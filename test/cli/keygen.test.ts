import { createECDH } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode as nip19Decode } from 'nostr-tools/nip19';
import { afterAll, describe, expect, it } from 'vitest';
import { run as issue } from '../../src/cli/issue.js';
import { run } from '../../src/cli/keygen.js';
import { decodeJwtWithoutVerifying } from '../../src/jwt/decode.js';
import { verifyJwt } from '../../src/jwt/verify.js';
import { runInProcess } from './helpers.js';

interface KeygenJson {
  secretKey: string;
  publicKey: string;
  npub: string;
  nsec: string;
}

/** x-only public key of a secret, computed by OpenSSL. */
function opensslXOnly(secretHex: string): string {
  const ecdh = createECDH('secp256k1');
  ecdh.setPrivateKey(Buffer.from(secretHex, 'hex'));
  return ecdh.getPublicKey('hex', 'compressed').slice(2);
}

describe('keygen', () => {
  it('--json prints exactly the four members, consistent with each other', async () => {
    const result = await runInProcess(run, ['--json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const pair = JSON.parse(result.stdout) as KeygenJson;
    expect(Object.keys(pair)).toEqual(['secretKey', 'publicKey', 'npub', 'nsec']);
    expect(pair.secretKey).toMatch(/^[0-9a-f]{64}$/);
    expect(pair.publicKey).toBe(opensslXOnly(pair.secretKey));
    expect(nip19Decode(pair.npub)).toEqual({ type: 'npub', data: pair.publicKey });
    const nsec = nip19Decode(pair.nsec);
    expect(nsec.type).toBe('nsec');
    expect(Buffer.from(nsec.data as Uint8Array).toString('hex')).toBe(pair.secretKey);
  });

  it('makes a new key every time', async () => {
    const first = JSON.parse((await runInProcess(run, ['--json'])).stdout) as KeygenJson;
    const second = JSON.parse((await runInProcess(run, ['--json'])).stdout) as KeygenJson;
    expect(first.secretKey).not.toBe(second.secretKey);
  });

  it('prints labelled lines by default and a safety note on stderr', async () => {
    const result = await runInProcess(run, []);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    const [secret, publicKey, npub, nsec] = lines.map((line) => line.split(/: +/)[1]!);
    expect(lines[0]).toMatch(/^secret key \(hex\): [0-9a-f]{64}$/);
    expect(publicKey).toBe(opensslXOnly(secret!));
    expect(nip19Decode(npub!)).toEqual({ type: 'npub', data: publicKey });
    expect(nsec).toMatch(/^nsec1/);
    expect(result.stderr).toMatch(/Keep the secret key private/);
  });

  describe('--out', () => {
    const dir = mkdtempSync(join(tmpdir(), 'portal-gateway-keygen-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('writes the secret to a new file readable by its owner only, and prints only the public key', async () => {
      const file = join(dir, 'service-key');
      const result = await runInProcess(run, ['--out', file]);
      expect(result.code).toBe(0);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const secret = readFileSync(file, 'utf8').trim();
      expect(secret).toMatch(/^[0-9a-f]{64}$/);
      const [publicLine, npubLine] = result.stdout.trimEnd().split('\n');
      expect(publicLine).toBe(`public key (hex): ${opensslXOnly(secret)}`);
      expect(nip19Decode(npubLine!.split(/: +/)[1]!)).toEqual({ type: 'npub', data: opensslXOnly(secret) });
      expect(result.stdout + result.stderr).not.toContain(secret);
      expect(result.stdout + result.stderr).not.toContain('nsec1');
      expect(result.stderr).toContain(`--key-file ${file}`);

      // The file is what --key-file reads.
      const target = opensslXOnly(secret);
      const signed = await runInProcess(issue, ['--key-file', file, '--target', target, '--hours', '1'], { env: {} });
      expect(signed.code).toBe(0);
      const token = signed.stdout.trimEnd();
      expect(verifyJwt(opensslXOnly(secret), token).target_key).toBe(
        decodeJwtWithoutVerifying(token).payload.target_key,
      );
    });

    it('refuses to overwrite an existing file, leaving it as it was', async () => {
      const file = join(dir, 'existing');
      writeFileSync(file, 'a key in use\n', { mode: 0o644 });
      const result = await runInProcess(run, ['--out', file]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        `ERR_INVALID_ARGUMENT: --out ${file} already exists: keygen never overwrites a file (remove it or choose another)\n`,
      );
      expect(readFileSync(file, 'utf8')).toBe('a key in use\n');
      expect(statSync(file).mode & 0o777).toBe(0o644);
    });

    it('--json prints the public key, npub and file, never the secret', async () => {
      const file = join(dir, 'json-key');
      const result = await runInProcess(run, ['--out', file, '--json']);
      expect(result.code).toBe(0);
      const printed = JSON.parse(result.stdout) as Record<string, string>;
      expect(Object.keys(printed)).toEqual(['publicKey', 'npub', 'file']);
      expect(printed.publicKey).toBe(opensslXOnly(readFileSync(file, 'utf8').trim()));
      expect(printed.file).toBe(file);
    });

    it('reports a file that cannot be created in one line', async () => {
      const result = await runInProcess(run, ['--out', join(dir, 'missing-dir', 'key')]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^ERR_INVALID_ARGUMENT: --out .* cannot be written \(ENOENT\)\n$/);
    });
  });

  it('refuses arguments', async () => {
    const result = await runInProcess(run, ['extra']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^ERR_INVALID_ARGUMENT: this command takes no arguments/);
  });
});
