/**
 * Deterministic refresh-token chains for the crash test: the child process and the test derive the
 * same hashes, so the test knows which token the child was rotating to when it was killed.
 */
import { createHash } from 'node:crypto';

export function chainHash(seed: string, family: number, index: number): string {
  return createHash('sha256').update(`${seed}:${family}:${index}`).digest('hex');
}

export function chainUserKey(seed: string): string {
  return createHash('sha256').update(seed).digest('hex');
}

export function familySessionId(family: number): string {
  return `family-${family}`;
}

/** One line per token the child has been handed back by the store: `issued <family> <index>`. */
export function parseIssued(line: string): { family: number; index: number } | undefined {
  const match = /^issued (\d+) (\d+)$/.exec(line);
  return match ? { family: Number(match[1]), index: Number(match[2]) } : undefined;
}
