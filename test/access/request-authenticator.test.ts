/**
 * RequestAuthenticator: the one verifier's identity (flow A, trusted issuers, first and synchronous; flow B,
 * wallet-issued tokens of known users, as the fallback), then revocation for both, with the real revocation
 * list on a memory store.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RevocationList } from '../../src/auth/revocation-list.js';
import { createMemoryStores } from '../../src/auth/stores/memory/index.js';
import { JwtExpired, JwtSignatureInvalid, TokenRevoked, generateKeyPair, issueJwt, toNpub } from '../../src/index.js';
import { TokenVerifier } from '../../src/jwt/token-verifier.js';
import { RequestAuthenticator } from '../../src/access/request-authenticator.js';

const service = generateKeyPair();
const user = generateKeyPair();
const lists: RevocationList[] = [];

afterEach(() => {
  for (const list of lists.splice(0)) list.stop();
});

async function setup(options: { wallet?: boolean } = {}) {
  const stores = createMemoryStores();
  const revocations = new RevocationList(stores.revocations);
  lists.push(revocations);
  await revocations.start();
  const asked: string[] = [];
  const wallet = {
    serviceKey: service.publicKey,
    isKnownUser: async (key: string) => {
      asked.push(key);
      return key === user.publicKey;
    },
  };
  const authenticator = new RequestAuthenticator({
    verifier: new TokenVerifier({ issuers: [service.publicKey], ...(options.wallet === false ? {} : { wallet }) }),
    revocations,
  });
  return { authenticator, revocations, asked };
}

const walletToken = (extraClaims?: Record<string, unknown>) =>
  issueJwt(user.secretKey, service.publicKey, 1, { extraClaims });
const serviceToken = () => issueJwt(service.secretKey, user.publicKey, 1, { extraClaims: { permissions: ['read'] } });

describe('RequestAuthenticator.authenticateAny', () => {
  it('answers a gateway-issued token synchronously, as flow A, without asking who the wallet users are', async () => {
    const { authenticator, asked } = await setup();
    const identity = authenticator.authenticateAny(serviceToken());
    expect(identity).not.toBeInstanceOf(Promise);
    expect(identity).toMatchObject({
      targetKey: user.publicKey,
      flow: 'service',
      issuer: service.publicKey,
      permissions: ['read'],
    });
    expect(asked).toEqual([]);
  });

  it("tells a sign-in session token (the service key, with sid) from service tokens, and a trusted issuer's sid names no session", async () => {
    const other = generateKeyPair();
    const authenticator = new RequestAuthenticator({
      verifier: new TokenVerifier({ issuers: [service.publicKey, other.publicKey] }),
    });
    const session = issueJwt(service.secretKey, user.publicKey, 1, { extraClaims: { jti: 'j-1', sid: 'session-1' } });
    expect(await authenticator.authenticateAny(session)).toMatchObject({
      flow: 'login',
      sessionId: 'session-1',
      targetKey: user.publicKey,
    });
    expect(await authenticator.authenticateAny(serviceToken())).not.toHaveProperty('sessionId');
    const trusted = await authenticator.authenticateAny(
      issueJwt(other.secretKey, user.publicKey, 1, { extraClaims: { sid: 'session-1' } }),
    );
    expect(trusted).toMatchObject({ flow: 'service', issuer: other.publicKey });
    expect(trusted).not.toHaveProperty('sessionId');
    const empty = await authenticator.authenticateAny(
      issueJwt(service.secretKey, user.publicKey, 1, { extraClaims: { sid: '' } }),
    );
    expect(empty.flow).toBe('service');
  });

  it('accepts a wallet-issued token of a known user as flow B: the signer is the identity, and it grants no permissions', async () => {
    const { authenticator } = await setup();
    const token = walletToken({ permissions: ['admin'], jti: 'wallet-1' });
    const pending = authenticator.authenticateAny(token);
    expect(pending).toBeInstanceOf(Promise);
    const identity = await pending;
    expect(identity).toMatchObject({
      targetKey: user.publicKey,
      npub: toNpub(user.publicKey),
      flow: 'wallet',
      issuer: user.publicKey,
      permissions: [],
      jti: 'wallet-1',
    });
    expect(identity.claims.target_key).toBe(service.publicKey);
    // Seen before: answered from the verifier's one cache, synchronously.
    expect(authenticator.authenticateAny(token)).toMatchObject({ flow: 'wallet', targetKey: user.publicKey });
  });

  it('reports the flow-A reason for a token that is no wallet token for this gateway, synchronously', async () => {
    const { authenticator, asked } = await setup();
    const forSomeoneElse = issueJwt(user.secretKey, generateKeyPair().publicKey, 1);
    expect(() => authenticator.authenticateAny(forSomeoneElse)).toThrow(/does not verify with the issuer key/);
    expect(asked).toEqual([]);
  });

  it('rejects a wallet token whose signer is unknown', async () => {
    const { authenticator } = await setup();
    const stranger = issueJwt(generateKeyPair().secretKey, service.publicKey, 1);
    await expect(authenticator.authenticateAny(stranger)).rejects.toThrow(JwtSignatureInvalid);
    await expect(authenticator.authenticateAny(stranger)).rejects.toThrow(/not a known user/);
  });

  it('does not try flow B when flow A fails for a reason other than the signature', async () => {
    const { authenticator, asked } = await setup();
    const expired = issueJwt(service.secretKey, user.publicKey, 1, { now: Math.floor(Date.now() / 1000) - 7200 });
    expect(() => authenticator.authenticateAny(expired)).toThrow(JwtExpired);
    expect(asked).toEqual([]);
  });

  it('revokes wallet tokens by their signer: logout everywhere kills those issued before it, on the cached path too', async () => {
    const { authenticator, revocations } = await setup();
    const token = walletToken();
    await authenticator.authenticateAny(token);
    await revocations.logoutEverywhere(user.publicKey);
    expect(() => authenticator.authenticateAny(token)).toThrow(TokenRevoked);
    const fresh = await setup();
    await fresh.revocations.logoutEverywhere(user.publicKey);
    await expect(fresh.authenticator.authenticateAny(token)).rejects.toThrow(TokenRevoked);
  });

  it('without wallet signers, accepts flow A only', async () => {
    const { authenticator } = await setup({ wallet: false });
    expect(() => authenticator.authenticateAny(walletToken())).toThrow(JwtSignatureInvalid);
    expect(authenticator.authenticateAny(serviceToken())).toMatchObject({ flow: 'service' });
  });
});
