/**
 * The login service on a memory store with a clock the test moves, and a stand-in for the Nostr
 * conversation (its own tests cover the relays): start, follow, settle, claim once, expire on time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LoginService } from '../../src/auth/login-service.js';
import { RevocationList } from '../../src/auth/revocation-list.js';
import { SessionService } from '../../src/auth/session-service.js';
import { createMemoryStores, MemoryBackend } from '../../src/auth/stores/memory/index.js';
import { LoginNotFound } from '../../src/errors.js';
import { createJwtIssuer, generateKeyPair, verifyJwt } from '../../src/index.js';
import { nowSeconds } from '../../src/keys/clock.js';
import type { LoginOutcome, PortalConversation } from '../../src/nostr/portal-conversation.js';
import { movableClock } from '../support/clock.js';

const service = generateKeyPair();
const user = generateKeyPair().publicKey;
const LOGIN_TTL = 120;
const lists: RevocationList[] = [];

/** The conversation's side of one login: the test settles it as a wallet (or a timeout) would. */
function conversation() {
  const settle: ((outcome: LoginOutcome) => void)[] = [];
  const stub = {
    startLogin: () => ({
      url: `portal://login-${settle.length}`,
      outcome: new Promise<LoginOutcome>((resolve) => settle.push(resolve)),
    }),
  } as unknown as PortalConversation;
  return { stub, settle };
}

async function setup() {
  const clock = movableClock();
  const now = () => nowSeconds(clock.now);
  const stores = createMemoryStores(new MemoryBackend(clock.now));
  const revocations = new RevocationList(stores.revocations, { now });
  lists.push(revocations);
  const tokens = new SessionService({
    issuer: createJwtIssuer(service.secretKey),
    sessions: stores.sessions,
    revocations,
    accessTtlSec: 900,
    refreshTtlSec: 3600,
    now,
  });
  const { stub, settle } = conversation();
  const errors: unknown[] = [];
  const logins = new LoginService({
    authenticator: stub,
    logins: stores.logins,
    users: stores.users,
    tokens,
    loginTtlSec: LOGIN_TTL,
    grantablePermissions: ['read'],
    onError: (error) => errors.push(error),
    now,
  });
  return { clock, now, logins, settle, stores, errors };
}

/** Until the service has recorded the outcome (the settling runs after the conversation resolves). */
async function settled(logins: LoginService, id: string, status: string): Promise<void> {
  for (let i = 0; i < 100 && (await logins.view(id)).status !== status; i++)
    await new Promise((resolve) => setImmediate(resolve));
  expect((await logins.view(id)).status).toBe(status);
}

afterEach(() => lists.splice(0).forEach((list) => list.stop()));

describe('LoginService', () => {
  it('hands the tokens of an approved login once, to the holder of its secret, with only the grantable permissions', async () => {
    const { logins, settle, now, stores, errors } = await setup();
    const started = await logins.start({ userAgent: 'test' });
    expect(started).toMatchObject({ status: 'pending', expires_at: now() + LOGIN_TTL, portal_url: 'portal://login-0' });
    expect(started.qr_svg).toContain('<svg');
    settle[0]!({
      status: 'approved',
      userKey: user,
      walletKey: user,
      grantedPermissions: ['read', 'admin'],
      sessionToken: 's',
    });
    await settled(logins, started.login_id, 'approved');
    expect(await logins.view(started.login_id)).toMatchObject({ user: { target_key: user }, claimed: false });
    expect(await logins.claim(started.login_id, 'not the secret')).toBeUndefined();
    const tokens = await logins.claim(started.login_id, started.login_secret);
    expect(verifyJwt(service.publicKey, tokens!.access_token, { now: now() })).toMatchObject({
      target_key: user,
      permissions: ['read'],
    });
    expect(await logins.claim(started.login_id, started.login_secret)).toBeUndefined();
    expect((await logins.view(started.login_id)).claimed).toBe(true);
    expect(await stores.users.isKnownUser(user)).toBe(true);
    expect(errors).toEqual([]);
  });

  it("records a decline with the wallet's reason, and hands out nothing", async () => {
    const { logins, settle } = await setup();
    const started = await logins.start();
    settle[0]!({ status: 'declined', userKey: user, walletKey: user, reason: 'not me' });
    await settled(logins, started.login_id, 'declined');
    expect(await logins.view(started.login_id)).toMatchObject({ reason: 'not me', user: { target_key: user } });
    expect(await logins.claim(started.login_id, started.login_secret)).toBeUndefined();
  });

  it('reports a login that never settles as expired on time, and forgets it once the store drops it', async () => {
    const { logins, clock } = await setup();
    const started = await logins.start();
    clock.advance(LOGIN_TTL);
    expect((await logins.view(started.login_id)).status).toBe('expired');
    clock.advance(3600);
    await expect(logins.view(started.login_id)).rejects.toBeInstanceOf(LoginNotFound);
  });
});
