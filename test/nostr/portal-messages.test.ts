import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encrypt as nip44Encrypt, getConversationKey } from 'nostr-tools/nip44';
import { generateSecretKey, getPublicKey, verifyEvent } from 'nostr-tools/pure';
import {
  MAX_CONTENT_BYTES,
  buildAuthChallengeContent,
  decryptContent,
  encryptContent,
  parseAuthResponse,
  parseKeyHandshake,
  randomChallenge,
  signEvent,
} from '../../src/nostr/portal-messages.js';
import { TestWallet } from '../support/wallet.js';

const serviceSecret = generateSecretKey();
const serviceKey = getPublicKey(serviceSecret);

const PROOF = {
  main_key: '9a0f017f984ebe5f7cf70bdf43b2173968f99f38bf0669a2bbf4c8bbcd482772',
  metadata: {
    expires_at: '1781536000',
    name: 'phone',
    nonce: '11'.repeat(32),
    permissions: ['auth'],
    valid_from: '1750000000',
    version: 1,
  },
};

describe('AUTH_CHALLENGE content', () => {
  it('has the reference layout: members sorted, expires_at a decimal string, subkey_proof null', () => {
    const content = buildAuthChallengeContent({
      challenge: 'C'.repeat(32),
      expiresAtSec: 1750000300,
      requiredPermissions: ['auth'],
    });
    expect(content).toBe(
      `{"challenge":"${'C'.repeat(32)}","expires_at":"1750000300","required_permissions":["auth"],"subkey_proof":null}`,
    );
  });

  it('uses challenges of 32 characters from [A-Za-z0-9], covering the whole alphabet', () => {
    const seen = new Set<string>();
    const challenges = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const challenge = randomChallenge();
      expect(challenge).toMatch(/^[A-Za-z0-9]{32}$/);
      challenges.add(challenge);
      for (const char of challenge) seen.add(char);
    }
    expect(challenges.size).toBe(500);
    expect(seen.size).toBe(62);
  });
});

describe('KEY_HANDSHAKE parsing', () => {
  it('reads the reference content', () => {
    const text =
      '{"client_info":{"name":"Portal","version":"0.1.0"},"preferred_relays":["wss://r.example"],"token":"tok"}';
    expect(parseKeyHandshake(text)).toEqual({
      ok: true,
      value: { token: 'tok', preferredRelays: ['wss://r.example'], clientInfo: { name: 'Portal', version: '0.1.0' } },
    });
  });

  it('rejects every malformed shape with a result, never an exception', () => {
    const bad = [
      'not json',
      '[]',
      'null',
      '"text"',
      '{"client_info":{},"preferred_relays":[]}',
      '{"client_info":{},"preferred_relays":[],"token":5}',
      '{"client_info":{},"preferred_relays":"r","token":"t"}',
      '{"client_info":{},"preferred_relays":[1],"token":"t"}',
      '{"client_info":null,"preferred_relays":[],"token":"t"}',
      '{"preferred_relays":[],"token":"t"}',
      '{"client_info":{},"preferred_relays":[],"token":"t","token":"u"}',
      '{"client_info":{"name":"a","name":"b"},"preferred_relays":[],"token":"t"}',
    ];
    for (const text of bad) {
      const result = parseKeyHandshake(text);
      expect(result.ok, text).toBe(false);
      if (!result.ok) expect(result.problem).toBe('malformed');
    }
  });
});

describe('AUTH_RESPONSE parsing', () => {
  it('reads approved and declined responses, with and without a subkey proof', () => {
    expect(
      parseAuthResponse(
        '{"challenge":"C","status":{"granted_permissions":["a"],"session_token":"ABC","status":"approved"},"subkey_proof":null}',
      ),
    ).toEqual({
      ok: true,
      value: {
        challenge: 'C',
        status: { status: 'approved', grantedPermissions: ['a'], sessionToken: 'ABC' },
        subkeyProof: null,
      },
    });
    expect(parseAuthResponse('{"challenge":"C","status":{"reason":null,"status":"declined"}}')).toEqual({
      ok: true,
      value: { challenge: 'C', status: { status: 'declined', reason: null }, subkeyProof: null },
    });
    const withProof = parseAuthResponse(
      JSON.stringify({ challenge: 'C', status: { reason: 'no', status: 'declined' }, subkey_proof: PROOF }),
    );
    expect(withProof).toEqual({
      ok: true,
      value: {
        challenge: 'C',
        status: { status: 'declined', reason: 'no' },
        subkeyProof: {
          mainKey: PROOF.main_key,
          metadata: {
            name: 'phone',
            nonce: '11'.repeat(32),
            validFromSec: 1750000000,
            expiresAtSec: 1781536000,
            permissions: ['auth'],
            version: 1,
          },
        },
      },
    });
  });

  it('rejects malformed responses and proofs', () => {
    const approved = { granted_permissions: [], session_token: 'S', status: 'approved' };
    const withMetadata = (patch: Record<string, unknown>) => ({
      challenge: 'C',
      status: approved,
      subkey_proof: { ...PROOF, metadata: { ...PROOF.metadata, ...patch } },
    });
    const bad: unknown[] = [
      { status: approved },
      { challenge: 1, status: approved },
      { challenge: 'C' },
      { challenge: 'C', status: 'approved' },
      { challenge: 'C', status: { status: 'maybe' } },
      { challenge: 'C', status: { granted_permissions: [], status: 'approved' } },
      { challenge: 'C', status: { session_token: 'S', status: 'approved' } },
      { challenge: 'C', status: { granted_permissions: [1], session_token: 'S', status: 'approved' } },
      { challenge: 'C', status: { reason: 5, status: 'declined' } },
      { challenge: 'C', status: approved, subkey_proof: 'proof' },
      { challenge: 'C', status: approved, subkey_proof: { ...PROOF, main_key: 'xyz' } },
      { challenge: 'C', status: approved, subkey_proof: { main_key: PROOF.main_key } },
      withMetadata({ valid_from: 1750000000 }),
      withMetadata({ expires_at: '-1' }),
      withMetadata({ expires_at: '1e9' }),
      withMetadata({ nonce: '11' }),
      withMetadata({ permissions: ['admin'] }),
      withMetadata({ version: 256 }),
      withMetadata({ version: 1.5 }),
      withMetadata({ name: 7 }),
    ];
    for (const value of bad) {
      const result = parseAuthResponse(JSON.stringify(value));
      expect(result.ok, JSON.stringify(value)).toBe(false);
    }
    expect(parseAuthResponse('{"challenge":"C","challenge":"D","status":{"reason":null,"status":"declined"}}').ok).toBe(
      false,
    );
  });

  it('never throws on hostile input', () => {
    const samples = [
      '',
      '{',
      '{"__proto__":{"x":1}}',
      '{"challenge":"C","status":{"__proto__":null}}',
      '\u0000',
      '[{"a":1}]',
      '9'.repeat(400),
      '{"a":'.repeat(5000),
    ];
    for (let i = 0; i < 200; i++) samples.push(randomBytes(64).toString('latin1'));
    for (const text of samples) {
      expect(() => parseAuthResponse(text)).not.toThrow();
      expect(() => parseKeyHandshake(text)).not.toThrow();
      expect(parseAuthResponse(text).ok).toBe(false);
    }
  });
});

describe('NIP-44 v2 content', () => {
  const wallet = new TestWallet();

  it('interoperates with rust-nostr in both directions', () => {
    const text = JSON.stringify({ token: 'é✓ unicode and a long tail '.repeat(20) });
    const fromUs = encryptContent(text, serviceSecret, wallet.signingKey);
    expect(wallet.decrypt(fromUs, serviceKey)).toBe(text);
    const fromWallet = wallet.encrypt(text, serviceKey);
    expect(decryptContent(fromWallet, serviceSecret, wallet.signingKey)).toEqual({ ok: true, value: text });
  });

  it('refuses plaintext, other keys and tampering: there is no plaintext fallback', () => {
    const json = '{"challenge":"C","status":{"reason":null,"status":"declined"}}';
    expect(decryptContent(json, serviceSecret, wallet.signingKey)).toMatchObject({
      ok: false,
      problem: 'undecryptable',
    });
    const forSomeoneElse = wallet.encrypt(json, getPublicKey(generateSecretKey()));
    expect(decryptContent(forSomeoneElse, serviceSecret, wallet.signingKey)).toMatchObject({
      ok: false,
      problem: 'undecryptable',
    });
    const sealed = wallet.encrypt(json, serviceKey);
    const tampered = sealed.slice(0, 40) + (sealed[40] === 'A' ? 'B' : 'A') + sealed.slice(41);
    expect(decryptContent(tampered, serviceSecret, wallet.signingKey)).toMatchObject({
      ok: false,
      problem: 'undecryptable',
    });
  });

  it('drops oversized content before decrypting it', () => {
    const big = nip44Encrypt('x'.repeat(60_000), getConversationKey(serviceSecret, wallet.signingKey));
    expect(big.length).toBeGreaterThan(MAX_CONTENT_BYTES);
    expect(decryptContent(big, serviceSecret, wallet.signingKey)).toMatchObject({ ok: false, problem: 'oversized' });
    expect(decryptContent(big, serviceSecret, wallet.signingKey, 100_000)).toMatchObject({ ok: true });
    expect(decryptContent('A'.repeat(1024 * 1024), serviceSecret, wallet.signingKey)).toMatchObject({
      ok: false,
      problem: 'oversized',
    });
  });
});

describe('signEvent', () => {
  it('builds a NIP-01 event that verifies, stamped now', () => {
    const event = signEvent(serviceSecret, 27000, [['p', serviceKey]], 'x');
    expect(verifyEvent(JSON.parse(JSON.stringify(event)))).toBe(true);
    expect(event.pubkey).toBe(serviceKey);
    expect(Math.abs(event.created_at - Date.now() / 1000)).toBeLessThan(5);
  });
});
