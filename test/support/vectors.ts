/** The Portal JWT test vectors (test/fixtures/portal-jwt.json; format in docs/protocol.md section 2.7). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface JwtVector {
  name: string;
  description: string;
  issuer_secret_hex: string;
  issuer_pubkey_xonly_hex: string;
  issuer_pubkey_parity: 'even' | 'odd';
  signing_secret_hex: string;
  token: string;
  verify_with_pubkey_hex: string;
  now: number;
  leeway_seconds: number;
  expect: string;
  claims?: Record<string, unknown> & { exp: number; iat?: number; target_key: string };
  claims_json?: string;
}

const path = fileURLToPath(new URL('../fixtures/portal-jwt.json', import.meta.url));
export const jwtVectors: JwtVector[] = (JSON.parse(readFileSync(path, 'utf8')) as { cases: JwtVector[] }).cases;

/** Strict-profile category of each error code (docs/protocol.md section 2.5). */
export const CATEGORY_OF_CODE: Record<string, string> = {
  ERR_JWT_MALFORMED: 'malformed',
  ERR_JWT_ALG: 'bad_alg',
  ERR_JWT_HEADER: 'bad_header',
  ERR_JWT_SIGNATURE: 'bad_signature',
  ERR_JWT_CLAIMS: 'bad_claims',
  ERR_JWT_EXPIRED: 'expired',
  ERR_JWT_NOT_YET_VALID: 'not_yet_valid',
  ERR_KEY_INVALID: 'bad_key',
};
