import { describe } from 'vitest';
import { createMemoryStores, MemoryBackend } from '../../../src/auth/stores/memory/index.js';
import { movableClock } from '../../support/clock.js';
import { describeStoreContract } from './contract/index.js';

describe('memory stores', () => {
  describeStoreContract(async () => {
    const clock = movableClock();
    const backend = new MemoryBackend(clock.now);
    return { open: async () => createMemoryStores(backend), dispose: async () => {}, clock };
  });
});
