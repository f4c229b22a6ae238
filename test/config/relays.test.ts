import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { parseRelaysDocument, readRelaysFile, relayUrlProblem } from '../../src/config/relays.js';
import { ConfigInvalid } from '../../src/errors.js';

describe('relay lists', () => {
  it('ships a valid default relays.config.json of public wss relays', () => {
    const relays = readRelaysFile(fileURLToPath(new URL('../../relays.config.json', import.meta.url)));
    expect(relays.length).toBeGreaterThanOrEqual(2);
    for (const url of relays) expect(url).toMatch(/^wss:\/\//);
  });

  it('accepts objects or plain URLs and drops duplicates', () => {
    expect(
      parseRelaysDocument({ relays: [{ url: 'ws://127.0.0.1:7777' }, 'wss://a.example', 'wss://a.example'] }, 'x'),
    ).toEqual(['ws://127.0.0.1:7777', 'wss://a.example']);
    expect(parseRelaysDocument(['wss://b.example'], 'x')).toEqual(['wss://b.example']);
  });

  it('names the file and the entry of every bad relay', () => {
    try {
      parseRelaysDocument(
        { relays: ['https://not-a-relay.example', { url: 42 }, 'wss://ok.example', 'ws://user:pw@h'] },
        'relays.json',
      );
      throw new Error('expected a ConfigInvalid');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigInvalid);
      expect((error as ConfigInvalid).problems).toEqual([
        'relays.json: relays[0] must be a ws:// or wss:// URL',
        'relays.json: relays[1] must be a ws:// or wss:// URL',
        'relays.json: relays[3] must not contain credentials',
      ]);
    }
    expect(() => parseRelaysDocument({ relay: [] }, 'f.json')).toThrow(/f\.json: must be an array of relays/);
    expect(relayUrlProblem('not a url')).toBe('must be an absolute ws:// or wss:// URL');
  });

  it('reports a broken file with its name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-relays-'));
    const file = join(dir, 'relays.json');
    writeFileSync(file, '{ "relays": [');
    expect(() => readRelaysFile(file)).toThrow(/relays\.json: is not valid JSON/);
    expect(() => readRelaysFile(join(dir, 'missing.json'))).toThrow(/missing\.json: cannot be read \(ENOENT\)/);
  });

  it('takes relays from the config, else PORTAL_RELAYS, else the file named by PORTAL_RELAYS_CONFIG', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pg-relays-'));
    const file = join(dir, 'relays.json');
    writeFileSync(file, JSON.stringify({ relays: [{ url: 'wss://from-file.example' }] }));
    expect(loadConfig({ routes: [], relays: ['wss://inline.example'] }, { PORTAL_RELAYS_CONFIG: file }).relays).toEqual(
      ['wss://inline.example'],
    );
    expect(loadConfig({ routes: [] }, { PORTAL_RELAYS: 'wss://a.example, wss://b.example' }).relays).toEqual([
      'wss://a.example',
      'wss://b.example',
    ]);
    expect(loadConfig({ routes: [] }, { PORTAL_RELAYS_CONFIG: file }).relays).toEqual(['wss://from-file.example']);
    expect(() => loadConfig({ routes: [], relays: ['http://x'] }, {})).toThrow(
      /relays\[0\]: must be a ws:\/\/ or wss:\/\/ URL/,
    );
  });
});
