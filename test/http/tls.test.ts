/** Reading listen.tls files: a usable pair is returned; anything else is a config error naming the key, never quoting a file. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigInvalid } from '../../src/errors.js';
import { readTlsFiles } from '../../src/http/tls.js';

// Self-signed pairs made for these tests only (openssl req -x509, P-256, CN portal-gateway-test-a / -b).
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url));
const a = { certFile: fixture('a.cert.pem'), keyFile: fixture('a.key.pem') };

function problemsOf(tls: { certFile: string; keyFile: string }): readonly string[] {
  try {
    readTlsFiles(tls);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigInvalid);
    return (error as ConfigInvalid).problems;
  }
  throw new Error('expected the files to be refused');
}

describe('readTlsFiles', () => {
  it('returns the certificate and key of a matching pair', () => {
    const files = readTlsFiles(a);
    expect(files.cert.toString()).toContain('BEGIN CERTIFICATE');
    expect(files.key.toString()).toContain('PRIVATE KEY');
  });

  it('names the key of a file that cannot be read', () => {
    expect(problemsOf({ ...a, keyFile: '/nonexistent/key.pem' })).toEqual([
      'listen.tls.keyFile: /nonexistent/key.pem cannot be read (ENOENT)',
    ]);
    expect(problemsOf({ ...a, certFile: '/nonexistent/cert.pem' })).toEqual([
      'listen.tls.certFile: /nonexistent/cert.pem cannot be read (ENOENT)',
    ]);
  });

  it('refuses a key of another certificate, or a file that is not PEM, without quoting either file', () => {
    const mismatched = problemsOf({ ...a, keyFile: fixture('b.key.pem') });
    expect(mismatched).toHaveLength(1);
    expect(mismatched[0]).toMatch(/^listen\.tls: .* are not a usable PEM certificate and key \(.+\)$/);
    const garbage = join(mkdtempSync(join(tmpdir(), 'pg-tls-unit-')), 'garbage.pem');
    writeFileSync(garbage, 'not-a-key-SECRET-MATERIAL\n');
    const notPem = problemsOf({ ...a, keyFile: garbage });
    expect(notPem[0]).toMatch(/^listen\.tls: /);
    expect(notPem.join('\n')).not.toMatch(/SECRET-MATERIAL|PRIVATE KEY/);
  });
});
