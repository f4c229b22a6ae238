/**
 * The tokens of an approved login wait in the (possibly shared) login store until the client that
 * started the login claims them. They are sealed with a key derived from the login secret, which only
 * that client holds (the store keeps a hash of it): a store dump reveals no usable token.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

const INFO = 'portal-gateway login result v1';

function keyFor(secret: string, loginId: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, loginId, INFO, 32));
}

export function hashLoginSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function sealLoginResult(value: unknown, secret: string, loginId: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(secret, loginId), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** The sealed value, or undefined when the secret does not open it. */
export function openLoginResult<T>(sealed: string, secret: string, loginId: string): T | undefined {
  try {
    const bytes = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', keyFor(secret, loginId), bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    const text = Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString(
      'utf8',
    );
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
