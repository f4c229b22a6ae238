/**
 * One rule for relay URLs wherever one comes in: the configuration, the relay admin API and SIGHUP
 * reload (relay list), and the relay pool itself. ws:// or wss://, absolute, no credentials; a refused URL
 * is never quoted back (it may hold a password).
 */
import { describe, expect, it } from 'vitest';
import { checkedRelayUrl, relayUrlProblem } from '../../src/config/relays.js';
import { InvalidArgument } from '../../src/errors.js';
import { addRelay } from '../../src/nostr/relay-list.js';
import { RelayPool } from '../../src/nostr/relay-pool.js';

const refused = [
  'http://relay.example',
  'relay.example',
  '',
  'wss//x',
  'wss://user:s3cret@relay.example',
  'wss://user@relay.example',
  42,
];

describe('the relay URL rule', () => {
  it.each(refused.map((url) => [url]))(
    'refuses %j in the config, the relay list and the pool alike, without quoting it',
    (url) => {
      expect(relayUrlProblem(url)).toBeDefined();
      const pool = new RelayPool({ relays: [] });
      try {
        for (const attempt of [
          () => checkedRelayUrl(url),
          () => addRelay(pool, url),
          () => pool.addRelay(url as string),
          () => new RelayPool({ relays: [url as string] }),
        ]) {
          let thrown: unknown;
          try {
            attempt();
          } catch (error) {
            thrown = error;
          }
          expect(thrown).toBeInstanceOf(InvalidArgument);
          expect((thrown as Error).message).not.toContain('s3cret');
        }
        expect(pool.relays).toEqual([]);
      } finally {
        pool.close();
      }
    },
  );

  it('accepts ws:// and wss:// URLs everywhere (the pool only records them until it connects)', () => {
    for (const url of ['ws://127.0.0.1:7000', 'wss://relay.example/path']) {
      expect(relayUrlProblem(url)).toBeUndefined();
      expect(checkedRelayUrl(url)).toBe(url);
    }
  });
});
