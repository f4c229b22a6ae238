/**
 * Events sent to one relay and waiting for its OK. An event stays here until the relay answers or
 * its timeout passes, so it can be sent again on every new connection in between.
 */
import type { NostrEvent } from 'nostr-tools/core';

export interface PublishAnswer {
  ok: boolean;
  /** The relay's message, or why there was no answer. */
  reason: string;
}

interface Pending {
  event: NostrEvent;
  promise: Promise<PublishAnswer>;
  settle(answer: PublishAnswer): void;
}

export class PendingPublishes {
  private readonly pending = new Map<string, Pending>();

  /** @param onSettled counts each answer once. */
  constructor(private readonly onSettled: (answer: PublishAnswer) => void) {}

  /**
   * Waits for the answer to `event`; a second call for the same event shares the first wait.
   * `noAnswerReason` is asked at timeout time, so it can describe the relay's state then.
   */
  track(
    event: NostrEvent,
    timeoutMs: number,
    noAnswerReason: () => string,
  ): { promise: Promise<PublishAnswer>; isNew: boolean } {
    const existing = this.pending.get(event.id);
    if (existing) return { promise: existing.promise, isNew: false };
    let settle!: (answer: PublishAnswer) => void;
    const promise = new Promise<PublishAnswer>((resolve) => {
      const timer = setTimeout(() => settle({ ok: false, reason: noAnswerReason() }), timeoutMs);
      settle = (answer) => {
        clearTimeout(timer);
        if (this.pending.get(event.id)?.promise !== promise) return;
        this.pending.delete(event.id);
        this.onSettled(answer);
        resolve(answer);
      };
    });
    this.pending.set(event.id, { event, promise, settle });
    return { promise, isNew: true };
  }

  /** The relay answered OK for `eventId`; answers for events we are not waiting on are ignored. */
  answer(eventId: string, answer: PublishAnswer): void {
    this.pending.get(eventId)?.settle(answer);
  }

  events(): NostrEvent[] {
    return [...this.pending.values()].map((pending) => pending.event);
  }

  failAll(reason: string): void {
    for (const pending of [...this.pending.values()]) pending.settle({ ok: false, reason });
  }
}
