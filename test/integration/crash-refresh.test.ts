/**
 * A gateway process on its default SQLite store is killed with SIGKILL in the middle of refresh traffic
 * and started again on the same data directory. A client that keeps every refresh token it received
 * must find afterwards that:
 *   - the latest token it received works exactly once (a second use is reported as reused);
 *   - no token it saw rotated works;
 *   - the token of the request that was in flight at the kill (answer never received) is either still
 *     valid (the rotation did not commit) or reported as reused (it committed and the answer was lost);
 *     nothing else, never a 5xx. Which of the two the client cannot know, and the gateway cannot tell a
 *     lost answer from a replay: in the second case the session is over and the user signs in again.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStores } from '../../src/auth/stores/index.js';
import { RevocationList } from '../../src/auth/revocation-list.js';
import { SessionService } from '../../src/auth/session-service.js';
import { DEFAULT_STORE_FILE } from '../../src/config/defaults.js';
import { createJwtIssuer, generateKeyPair, verifyJwt } from '../../src/index.js';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { refresh, type JsonResponse } from '../support/http-json.js';
import { waitFor } from '../support/relay-wait.js';

const service = generateKeyPair();
/** Sessions refreshing without pause when the gateway dies. */
const BUSY_SESSIONS = 24;
/** Sessions that refreshed a few times earlier and have no request in flight at the kill. */
const IDLE_SESSIONS = 8;
const IDLE_ROTATIONS = 5;
/** Rotations every busy session has had before the kill, so each one holds several rotated tokens. */
const BUSY_ROTATIONS_BEFORE_KILL = 8;

/** One client-side session: every refresh token received, in order, and the one whose answer never came. */
interface Chain {
  sessionId: string;
  received: string[];
  unanswered?: string;
}

let gateway: GatewayProcess;

/** Sequential refreshes, as one client does: stops after `rotations`, or at the first request that gets no answer. */
async function drive(chain: Chain, rotations = Infinity): Promise<void> {
  for (let done = 0; done < rotations; done++) {
    const presented = chain.received.at(-1)!;
    let answer: JsonResponse;
    try {
      answer = await refresh(gateway.url, presented);
    } catch {
      chain.unanswered = presented; // connection reset or refused: the answer, if any, is lost
      return;
    }
    // Before the crash every refresh of a live chain must succeed.
    if (answer.status !== 200) throw new Error(`refresh answered ${answer.status} ${answer.body?.error}`);
    chain.received.push(answer.body.refresh_token);
  }
}

async function openSessions(count: number): Promise<Chain[]> {
  // Sessions are opened through the token service on the gateway's own file (wallet logins are proven
  // elsewhere); the store is closed again before any traffic, so only the gateway process writes then.
  const stores = await createStores({ kind: 'sqlite', path: join(gateway.dataDir, DEFAULT_STORE_FILE) });
  try {
    const tokens = new SessionService({
      issuer: createJwtIssuer(service.secretKey),
      sessions: stores.sessions,
      // Fresh sessions only: nothing is revoked, the list needs no loading.
      revocations: new RevocationList(stores.revocations),
      accessTtlSec: 900,
      refreshTtlSec: 3600,
    });
    const started = await Promise.all(
      Array.from({ length: count }, () => tokens.startSession(generateKeyPair().publicKey, [])),
    );
    return started.map((s) => ({ sessionId: s.session_id, received: [s.refresh_token] }));
  } finally {
    await stores.close();
  }
}

interface Audit {
  /** The latest received token, presented first. */
  first: JsonResponse;
  /** Then a probe: the latest token again, or the one rotated just before it (alternating by chain). */
  second: JsonResponse;
  /** Then every token the client ever held, the one issued by `first` included. */
  afterwards: JsonResponse[];
}

/**
 * A family can witness one reuse only (the reuse revokes it), so chains alternate the probe: even
 * chains show that a second use of the latest token is reported as reused, odd chains that a token
 * rotated before the crash is reported as reused while its family is still live.
 */
async function audit(chain: Chain, index: number): Promise<Audit> {
  const first = await refresh(gateway.url, chain.received.at(-1)!);
  const second = await refresh(gateway.url, chain.received.at(index % 2 === 0 ? -1 : -2)!);
  const held = first.status === 200 ? [...chain.received, first.body.refresh_token as string] : chain.received;
  const afterwards: JsonResponse[] = [];
  for (const token of held) afterwards.push(await refresh(gateway.url, token));
  return { first, second, afterwards };
}

function expectWorkedOnce(chain: Chain, { first, second, afterwards }: Audit): void {
  expect(first.status).toBe(200);
  expect(verifyJwt(service.publicKey, first.body.access_token).sid).toBe(chain.sessionId);
  expectRefusedAfterReuse(second, afterwards);
}

/** The reuse ends the family: from then on every token of it, rotated or not, is refused as invalid. */
function expectRefusedAfterReuse(reuse: JsonResponse, afterwards: JsonResponse[]): void {
  expect(reuse).toMatchObject({ status: 401, body: { error: 'ERR_REFRESH_TOKEN_REUSED' } });
  for (const answer of afterwards)
    expect(answer).toMatchObject({ status: 401, body: { error: 'ERR_REFRESH_TOKEN_INVALID' } });
}

beforeAll(async () => {
  // No `store` key: the default SQLite file in the data directory. No rate limit in the way of the traffic.
  gateway = await startGatewayProcess(
    { relays: [], rateLimit: { max: 1_000_000, windowSec: 60 }, routes: [] },
    { PORTAL_SERVICE_KEY: service.secretKey },
  );
});

afterAll(async () => gateway?.stop());

describe('SIGKILL during refresh traffic', () => {
  it('keeps every received rotation: the latest token works once, rotated ones never, the unanswered one is valid or reused', async () => {
    const idle = await openSessions(IDLE_SESSIONS);
    const busy = await openSessions(BUSY_SESSIONS);
    await Promise.all(idle.map((chain) => drive(chain, IDLE_ROTATIONS)));

    const traffic = Promise.all(busy.map((chain) => drive(chain)));
    await waitFor(
      () => busy.every((chain) => chain.received.length > BUSY_ROTATIONS_BEFORE_KILL),
      'refresh traffic',
      30_000,
    );
    await gateway.kill();
    await traffic;
    // Every busy client was cut off mid-chain: its last request never got an answer.
    for (const chain of busy) expect(chain.unanswered).toBe(chain.received.at(-1));
    for (const chain of idle) expect(chain.unanswered).toBeUndefined();

    await gateway.restart();

    idle.forEach((chain) => expect(chain.received).toHaveLength(IDLE_ROTATIONS + 1));
    // Chains are audited side by side (each one's requests in order), as independent clients would.
    const idleAudits = await Promise.all(idle.map(audit));
    idle.forEach((chain, index) => expectWorkedOnce(chain, idleAudits[index]!));

    const busyAudits = await Promise.all(busy.map(audit));
    const inFlight = { stillValid: 0, rotatedBeforeTheCrash: 0 };
    for (const [index, chain] of busy.entries()) {
      const result = busyAudits[index]!;
      if (result.first.status === 200) {
        inFlight.stillValid += 1;
        expectWorkedOnce(chain, result);
      } else {
        // The rotation committed but its answer was lost: presenting the token is a reuse, which ends the family.
        inFlight.rotatedBeforeTheCrash += 1;
        expectRefusedAfterReuse(result.first, [result.second, ...result.afterwards]);
      }
    }
    expect(inFlight.stillValid + inFlight.rotatedBeforeTheCrash).toBe(BUSY_SESSIONS);
  });
});
