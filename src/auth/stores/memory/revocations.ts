import type { RevocationEvent, RevocationSnapshot, RevocationStore } from '../types.js';
import { assertId, assertTime, assertUserKey } from '../validate.js';
import type { MemoryBackend } from './backend.js';

export class MemoryRevocationStore implements RevocationStore {
  constructor(private readonly data: MemoryBackend) {}

  async revokeJti(jti: string, expiresAt: number): Promise<void> {
    assertId(jti, 'jti');
    assertTime(expiresAt, 'expiresAt');
    const effective = Math.max(expiresAt, this.data.jtis.get(jti) ?? 0);
    this.data.jtis.set(jti, effective);
    this.data.revocationEvents.emit({ kind: 'jti', jti, expiresAt: effective });
  }

  async setUserNotBefore(userKey: string, notBefore: number): Promise<number> {
    assertUserKey(userKey);
    assertTime(notBefore, 'notBefore');
    const effective = Math.max(notBefore, this.data.userNotBefore.get(userKey) ?? 0);
    this.data.userNotBefore.set(userKey, effective);
    this.data.revocationEvents.emit({ kind: 'not-before', userKey, notBefore: effective });
    return effective;
  }

  async loadRevocations(now: number): Promise<RevocationSnapshot> {
    assertTime(now, 'now');
    for (const [jti, expiresAt] of this.data.jtis) if (expiresAt <= now) this.data.jtis.delete(jti);
    return {
      jtis: [...this.data.jtis].map(([jti, expiresAt]) => ({ jti, expiresAt })),
      userNotBefore: [...this.data.userNotBefore].map(([userKey, notBefore]) => ({ userKey, notBefore })),
    };
  }

  subscribe(listener: (event: RevocationEvent) => void): () => void {
    return this.data.revocationEvents.add(listener);
  }
}
