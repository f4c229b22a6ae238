/** The one contract every store implementation must meet; each backend's test file runs it. */
import { describeExpiryContract } from './expiry.js';
import type { HarnessFactory } from './harness.js';
import { describeLoginContract } from './logins.js';
import { describeRevocationContract } from './revocations.js';
import { describeRotationContract } from './rotation.js';
import { describeSessionContract } from './sessions.js';
import { describeUserAndInputContract } from './users-and-input.js';

export function describeStoreContract(factory: HarnessFactory): void {
  describeSessionContract(factory);
  describeRotationContract(factory);
  describeRevocationContract(factory);
  describeLoginContract(factory);
  describeExpiryContract(factory);
  describeUserAndInputContract(factory);
}

export type { HarnessFactory, StoreHarness } from './harness.js';
