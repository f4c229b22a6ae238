import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { plannedServiceKeyOrigin, serviceKeyOrigin } from '../../src/cli/service-key-origin.js';
import { validateConfig } from '../../src/config/validate.js';

const dir = mkdtempSync(join(tmpdir(), 'portal-gateway-key-origin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SECRET = '3'.repeat(64);

describe('serviceKeyOrigin (the banner of serve)', () => {
  it('names the variable or key file that set a configured key, else the configuration file', () => {
    const key = { source: 'config' as const };
    expect(serviceKeyOrigin(key, { PORTAL_SERVICE_KEY: SECRET })).toBe('from PORTAL_SERVICE_KEY');
    expect(serviceKeyOrigin(key, { PORTAL_SERVICE_KEY_FILE: '/run/secrets/portal-key' })).toBe(
      'from the key file /run/secrets/portal-key named by PORTAL_SERVICE_KEY_FILE',
    );
    expect(serviceKeyOrigin(key, {})).toBe('from the configuration file');
  });

  it('tells a key read from the data directory from one generated now', () => {
    expect(serviceKeyOrigin({ source: 'data-dir', path: 'data/service-key' }, {})).toBe(
      'from the key file data/service-key',
    );
    expect(serviceKeyOrigin({ source: 'generated', path: 'data/service-key' }, {})).toBe(
      'new, kept in data/service-key',
    );
  });
});

describe('plannedServiceKeyOrigin (check-config)', () => {
  const config = (fields: Record<string, unknown>) => validateConfig({ relays: [], routes: [], ...fields });

  it('says a key will be generated only when there is none, and generates nothing', () => {
    const dataDir = join(dir, 'empty');
    expect(plannedServiceKeyOrigin(config({ dataDir }), {})).toBe(
      `none yet: serve will generate one and keep it in ${join(dataDir, 'service-key')}`,
    );
    const kept = join(dir, 'kept');
    mkdirSync(kept);
    writeFileSync(join(kept, 'service-key'), `${SECRET}\n`);
    expect(plannedServiceKeyOrigin(config({ dataDir: kept }), {})).toBe(
      `from the key file ${join(kept, 'service-key')}`,
    );
  });

  it('names where a configured key comes from', () => {
    expect(plannedServiceKeyOrigin(config({ serviceKey: SECRET }), {})).toBe('from the configuration file');
    expect(plannedServiceKeyOrigin(config({ serviceKey: SECRET }), { PORTAL_SERVICE_KEY: SECRET })).toBe(
      'from PORTAL_SERVICE_KEY',
    );
  });
});
