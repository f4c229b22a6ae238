/**
 * `x-portal-assertion`: a compact JWT the gateway signs for each authenticated request, so an upstream
 * can check that the identity headers really came through the gateway (verify it against
 * `/.well-known/jwks.json`). An assertion for one identity, issuer and audience is reused while more
 * than half its life is left, so a reused token costs no signature per request; identities are matched by
 * what the assertion says about them, so a user's next token (a refresh, a new service token) reuses it too.
 */
import { LRUCache } from 'lru-cache';
import { sign } from 'node:crypto';
import { nowSeconds, systemClock, type Clock } from '../keys/clock.js';
import type { PortalIdentity } from '../jwt/identity.js';
import type { AssertionKey } from './keyring.js';

export interface SignedAssertion {
  readonly token: string;
  /** Unix seconds. */
  readonly expiresAt: number;
}

interface Entry extends SignedAssertion {
  readonly issuer: string;
  readonly audience: string;
  readonly kid: string;
  readonly renewAt: number;
}

/** Subjects whose assertions are kept (each with at most 8 issuer/audience pairs). */
const SUBJECTS = 10_000;

export class AssertionSigner {
  // Identities are frozen and shared by every request presenting the same token: the subject is worked
  // out once per identity, and dies with it.
  private readonly subjects = new WeakMap<PortalIdentity, string>();
  private readonly issued = new LRUCache<string, Entry[]>({ max: SUBJECTS });
  private readonly headers = new Map<string, string>();

  constructor(
    private readonly currentKey: () => AssertionKey,
    private readonly ttlSec: number,
    private readonly clock: Clock = systemClock,
  ) {}

  /** A valid assertion about `identity` for `audience`, signed now or reused. */
  assertionFor(
    identity: PortalIdentity,
    issuer: string,
    audience: string,
    now = nowSeconds(this.clock),
  ): SignedAssertion {
    const key = this.currentKey();
    const subject = this.subjectOf(identity);
    let entries = this.issued.get(subject);
    if (entries === undefined) this.issued.set(subject, (entries = []));
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      if (entry.issuer !== issuer || entry.audience !== audience) continue;
      if (entry.kid === key.kid && now < entry.renewAt) return entry;
      entries.splice(i, 1);
      break;
    }
    const entry = this.sign(identity, issuer, audience, key, now);
    // A caller cycling through audiences must not grow the list without bound.
    if (entries.length >= 8) entries.shift();
    entries.push(entry);
    return entry;
  }

  /** Everything an assertion says about the identity, as one string. */
  private subjectOf(identity: PortalIdentity): string {
    let subject = this.subjects.get(identity);
    if (subject === undefined) {
      subject = JSON.stringify([identity.targetKey, identity.flow, identity.sessionId ?? null, identity.permissions]);
      this.subjects.set(identity, subject);
    }
    return subject;
  }

  private sign(identity: PortalIdentity, issuer: string, audience: string, key: AssertionKey, now: number): Entry {
    const expiresAt = now + this.ttlSec;
    const sid = identity.sessionId;
    const claims = {
      iss: issuer,
      aud: audience,
      sub: identity.targetKey,
      npub: identity.npub,
      flow: identity.flow,
      permissions: identity.permissions,
      ...(sid === undefined ? {} : { sid }),
      iat: now,
      exp: expiresAt,
    };
    const input = `${this.header(key)}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const signature = sign('sha256', Buffer.from(input, 'latin1'), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
    return {
      token: `${input}.${signature.toString('base64url')}`,
      expiresAt,
      issuer,
      audience,
      kid: key.kid,
      renewAt: now + this.ttlSec / 2,
    };
  }

  private header(key: AssertionKey): string {
    let encoded = this.headers.get(key.kid);
    if (encoded === undefined) {
      encoded = Buffer.from(JSON.stringify({ alg: key.alg, kid: key.kid, typ: 'JWT' })).toString('base64url');
      this.headers.set(key.kid, encoded);
    }
    return encoded;
  }
}
