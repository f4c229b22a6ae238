/**
 * Wallet-issued tokens (flow B) end to end with real parts: a relay process on 127.0.0.1, the
 * rust-nostr test wallet for the logins, the gateway, and an upstream that echoes what it receives.
 * The wallet's own tokens are signed by our issuer and, independently, by jose@5.
 */
import { SignJWT, importJWK, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, issueJwt, type KeyPair } from '../../src/index.js';
import type { EchoReply } from '../support/echo-upstream.js';
import type { RunningGateway } from '../support/gateway.js';
import { startStack, type Stack } from '../support/stack.js';
import { privateJwk } from '../support/secp256k1-reference.js';
import { TestWallet } from '../support/wallet.js';
import { signInWithWallet as signIn } from '../support/login-client.js';

const service = generateKeyPair();
/** Allow-listed in the configuration: never logs in. */
const listed = generateKeyPair();
let gw: RunningGateway;
let stack: Stack<RunningGateway>;

const nowSec = () => Math.floor(Date.now() / 1000);

/** A complete Portal login of `user` through the gateway; resolves to the flow-A access token. */
async function signInWithWallet(user: KeyPair): Promise<string> {
  const wallet = new TestWallet({ secretKeyHex: user.secretKey });
  try {
    return (await signIn(gw.url, wallet)).access_token;
  } finally {
    await wallet.close();
  }
}

/** The same kind of token, signed by jose@5 (OpenSSL) with the user's key instead of our issuer. */
async function joseWalletToken(user: KeyPair, iat = nowSec()): Promise<string> {
  const key = await importJWK(privateJwk(user.secretKey) as JWK, 'ES256K');
  return new SignJWT({ exp: iat + 3600, nbf: iat, iat, target_key: service.publicKey })
    .setProtectedHeader({ alg: 'ES256K' })
    .sign(key);
}

async function callApi(token: string, path = '/api/orders') {
  const response = await fetch(gw.url + path, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as any, headers: response.headers };
}

function expectWalletIdentity(echo: EchoReply, user: KeyPair) {
  expect(echo.headers['x-portal-target-key']).toBe(user.publicKey);
  expect(echo.headers['x-portal-npub']).toBe(user.npub);
  expect(echo.headers['x-portal-auth-flow']).toBe('wallet');
  expect(echo.headers['x-portal-permissions']).toBeUndefined();
  expect(echo.headers.authorization).toBeUndefined();
}

function expectRejected(result: Awaited<ReturnType<typeof callApi>>, code: string) {
  expect(result.status).toBe(401);
  expect(result.body).toEqual({ error: code, message: expect.any(String) });
  expect(result.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
}

beforeAll(async () => {
  stack = await startStack(({ relay, upstream }) => ({
    serviceKey: service.secretKey,
    relays: [relay.url],
    cookie: { secure: false },
    walletUsers: [listed.npub],
    routes: [{ prefix: '/api', upstream: upstream.url, auth: 'required' }],
  }));
  ({ gw } = stack);
});

afterAll(() => stack?.close());

describe('wallet-issued tokens', () => {
  it('are accepted from a user once they have signed in with their wallet, as the signer, with flow "wallet"', async () => {
    const user = generateKeyPair();
    const ours = issueJwt(user.secretKey, service.publicKey, 1);
    const jose = await joseWalletToken(user);
    // Not a known user yet.
    expectRejected(await callApi(ours), 'ERR_JWT_SIGNATURE');

    const accessToken = await signInWithWallet(user);
    const viaLogin = await callApi(accessToken);
    expect(viaLogin.status).toBe(200);
    expect(viaLogin.body.headers['x-portal-auth-flow']).toBe('login');

    for (const token of [ours, jose]) {
      const result = await callApi(token);
      expect(result.status).toBe(200);
      expectWalletIdentity(result.body, user);
    }
    const me = await fetch(`${gw.url}/auth/me`, { headers: { authorization: `Bearer ${jose}` } });
    expect(await me.json()).toMatchObject({
      target_key: user.publicKey,
      npub: user.npub,
      auth_flow: 'wallet',
      permissions: [],
    });
  });

  it('are accepted from a key listed in walletUsers without any login', async () => {
    const result = await callApi(issueJwt(listed.secretKey, service.publicKey, 1));
    expect(result.status).toBe(200);
    expectWalletIdentity(result.body, listed);
  });

  it('are refused from a signer who is not a known user', async () => {
    const stranger = generateKeyPair();
    expectRejected(await callApi(issueJwt(stranger.secretKey, service.publicKey, 1)), 'ERR_JWT_SIGNATURE');
    expectRejected(await callApi(await joseWalletToken(stranger)), 'ERR_JWT_SIGNATURE');
  });

  it("are refused when target_key is not the gateway's key, even from a known user", async () => {
    for (const target of [generateKeyPair().publicKey, listed.publicKey]) {
      expectRejected(await callApi(issueJwt(listed.secretKey, target, 1)), 'ERR_JWT_SIGNATURE');
    }
  });

  it('are refused once expired', async () => {
    const expired = issueJwt(listed.secretKey, service.publicKey, 1, { now: nowSec() - 2 * 3600 });
    expectRejected(await callApi(expired), 'ERR_JWT_EXPIRED');
  });

  it('issued before a logout everywhere are revoked by it; newer ones work', async () => {
    const user = generateKeyPair();
    const accessToken = await signInWithWallet(user);
    const before = [issueJwt(user.secretKey, service.publicKey, 1), await joseWalletToken(user)];
    for (const token of before) expect((await callApi(token)).status).toBe(200);

    const out = await fetch(`${gw.url}/auth/logout-all`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(out.status).toBe(200);
    const { not_before: notBefore } = (await out.json()) as { not_before: number };
    for (const token of [...before, accessToken]) expectRejected(await callApi(token), 'ERR_TOKEN_REVOKED');

    // Still a known user: a token the wallet signs after the logout is accepted.
    const after = await callApi(issueJwt(user.secretKey, service.publicKey, 1, { now: notBefore }));
    expect(after.status).toBe(200);
    expectWalletIdentity(after.body, user);
  });

  it('never appear in the gateway log, which names the wallet user by npub', () => {
    const tokenLike = /eyJhbGciOiJFUzI1NksifQ\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/;
    expect(gw.logs.some((line) => line.includes(listed.npub))).toBe(true);
    expect(gw.logs.filter((line) => tokenLike.test(line))).toEqual([]);
  });
});
