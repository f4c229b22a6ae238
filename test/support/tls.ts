/**
 * TLS for tests: self-signed certificates made by the `openssl` command, and an HTTPS client that
 * trusts a given CA and reports which certificate the server presented. Without openssl the tests
 * that need it are skipped with a notice, except under CI=true, where they run and fail.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { delimiter, join } from 'node:path';
import { describe } from 'vitest';
import { isExecutable } from './redis-binary.js';

const opensslMissing = !(process.env.PATH ?? '')
  .split(delimiter)
  .filter(Boolean)
  .some((dir) => isExecutable(join(dir, 'openssl')));
if (opensslMissing && process.env.CI !== 'true')
  console.warn('TLS tests skipped: no openssl on the PATH (apt-get install openssl); with CI=true they fail instead.');

/** `describe` for tests that make certificates: skipped where there is no openssl, unless CI=true. */
export const describeWithOpenssl = opensslMissing && process.env.CI !== 'true' ? describe.skip : describe;

export interface SelfSigned {
  certFile: string;
  keyFile: string;
  /** PEM of the certificate (trust it as a CA: it signed itself). */
  pem: string;
  fingerprint256: string;
}

/** A P-256 certificate for localhost and 127.0.0.1, valid for a day, written as `<name>.crt` / `<name>.key` in `dir`. */
export function selfSignedCertificate(dir: string, name: string): SelfSigned {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'];
  args.push(
    '-subj',
    `/CN=${name}`,
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout',
    keyFile,
    '-out',
    certFile,
  );
  try {
    execFileSync('openssl', args, { stdio: 'pipe' });
  } catch (error) {
    throw new Error(
      `openssl could not make a test certificate (apt-get install -y openssl): ${(error as Error).message}`,
      { cause: error },
    );
  }
  const pem = readFileSync(certFile, 'utf8');
  return { certFile, keyFile, pem, fingerprint256: new X509Certificate(pem).fingerprint256 };
}

export interface HttpsAnswer {
  status: number;
  body: string;
  /** SHA-256 fingerprint of the certificate the server presented. */
  fingerprint256: string;
}

/** GET over a new TLS connection that trusts only `ca`. */
export function httpsGet(
  url: string,
  ca: string | string[],
  headers: Record<string, string> = {},
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers, agent: false }, (res) => {
      const fingerprint256 =
        res.socket && 'getPeerCertificate' in res.socket
          ? (res.socket as import('node:tls').TLSSocket).getPeerCertificate().fingerprint256
          : '';
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, fingerprint256 }));
    });
    req.on('error', reject);
    req.end();
  });
}
