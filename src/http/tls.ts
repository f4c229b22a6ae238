/**
 * HTTPS served by the gateway itself (`listen.tls`): the certificate and key are read at start-up and
 * again on SIGHUP, so a renewed certificate is served without a restart (new connections get it, open
 * ones keep theirs).
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:https';
import { createSecureContext } from 'node:tls';
import { ConfigInvalid } from '../errors.js';
import type { TlsConfig } from '../config/types.js';

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

function readPem(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigInvalid([
      `listen.tls.${key}: ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    ]);
  }
}

/** Reads both files and checks that they make a usable pair; throws ConfigInvalid naming the key. */
export function readTlsFiles(tls: TlsConfig): TlsFiles {
  const files = { cert: readPem(tls.certFile, 'certFile'), key: readPem(tls.keyFile, 'keyFile') };
  try {
    createSecureContext(files);
  } catch (error) {
    // OpenSSL's reason (e.g. "key values mismatch"), never the file contents.
    const reason = (error as Error).message.split('\n')[0]!.replace(/^error:[0-9A-F]+:/, '');
    throw new ConfigInvalid([
      `listen.tls: ${tls.certFile} and ${tls.keyFile} are not a usable PEM certificate and key (${reason})`,
    ]);
  }
  return files;
}

/** Serve the files' current contents to new connections; throws (typed) and keeps the old pair when they are bad. */
export function reloadTlsFiles(server: Server, tls: TlsConfig): void {
  server.setSecureContext(readTlsFiles(tls));
}
