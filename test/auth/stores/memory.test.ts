import { describe } from 'vitest';
import { createMemoryStores, MemoryBackend } from '../../../src/auth/stores/memory/index.js';
import { describeStoreContract } from './contract/index.js';

describe('memory stores', () => {
  describeStoreContract(async () => {
    const backend = new MemoryBackend();
    return { open: async () => createMemoryStores(backend), dispose: async () => {} };
  });
});
