import type { Stores } from '../types.js';
import { MemoryBackend } from './backend.js';
import { MemoryLoginStore } from './logins.js';
import { MemoryRevocationStore } from './revocations.js';
import { MemorySessionStore } from './sessions.js';
import { MemoryUserStore } from './users.js';

/** Stores kept in this process only (unit tests); pass a backend to share it between instances. */
export function createMemoryStores(backend = new MemoryBackend()): Stores {
  return {
    sessions: new MemorySessionStore(backend),
    revocations: new MemoryRevocationStore(backend),
    logins: new MemoryLoginStore(backend),
    users: new MemoryUserStore(backend),
    ping: async () => {},
    close: async () => {},
  };
}

export { MemoryBackend };
