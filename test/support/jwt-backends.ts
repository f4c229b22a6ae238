/**
 * Loads a fresh copy of the JWT modules with a chosen crypto backend, so one test file can run the
 * same behaviour tests against both. The backend is picked once when `src/keys/es256k.ts` loads
 * (from PORTAL_GATEWAY_CRYPTO), hence the module reset. Everything a test compares against (error
 * classes included) must come from the same loaded copy: `instanceof` does not cross copies.
 */
import { vi } from 'vitest';

export type BackendName = 'native' | 'portable';

/** Every backend under test; the native binding is a shipped dependency, so it must load here. */
export const BACKEND_NAMES: readonly BackendName[] = ['native', 'portable'];

async function importAll() {
  const [api, es256k, claims, jws, keys, verify, issue, base64url, recover] = await Promise.all([
    import('../../src/index.js'),
    import('../../src/keys/es256k.js'),
    import('../../src/jwt/claims.js'),
    import('../../src/jwt/jws.js'),
    import('../../src/keys/nostr-keys.js'),
    import('../../src/jwt/verify.js'),
    import('../../src/jwt/issue.js'),
    import('../../src/encoding/base64url.js'),
    import('../../src/jwt/recover.js'),
  ]);
  return { api, es256k, claims, jws, keys, verify, issue, base64url, recover };
}

export type JwtModules = Awaited<ReturnType<typeof importAll>>;

export async function loadJwtModules(backend: BackendName): Promise<JwtModules> {
  vi.resetModules();
  // An empty value means "no preference": the native binding is used when it loads.
  vi.stubEnv('PORTAL_GATEWAY_CRYPTO', backend === 'portable' ? 'portable' : '');
  try {
    const modules = await importAll();
    if (modules.api.cryptoBackendName !== backend) {
      throw new Error(`asked for the ${backend} crypto backend but ${modules.api.cryptoBackendName} loaded`);
    }
    return modules;
  } finally {
    vi.unstubAllEnvs();
  }
}
