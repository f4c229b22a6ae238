import { createECDH } from 'node:crypto';
import { decode as nip19Decode } from 'nostr-tools/nip19';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/keygen.js';
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

  it('refuses arguments', async () => {
    const result = await runInProcess(run, ['extra']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^ERR_INVALID_ARGUMENT: this command takes no arguments/);
  });
});
