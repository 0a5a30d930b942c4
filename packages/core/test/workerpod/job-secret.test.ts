import { expect, it } from 'vitest';
import { buildJobSecret, readJobSecret } from '../../src/index.js';
import { jobPayload, testGroup } from '../provisioner/support/fixtures.js';

const planId = '6f1c2a8e-0b1d-4f0e-9a39-2c4d5e6f7a8b';

it('reads back what buildJobSecret wrote, with and without a JIT config', () => {
  const payload = jobPayload(4242);
  expect(readJobSecret(buildJobSecret(testGroup(), { planId, payload, jitConfig: 'jit' }))).toEqual({ planId, payload, jitConfig: 'jit' });
  expect(readJobSecret(buildJobSecret(testGroup(), { planId, payload }))).toEqual({ planId, payload, jitConfig: undefined });
});

it('names the Secret and the missing key', () => {
  const secret = buildJobSecret(testGroup(), { planId, payload: jobPayload(1) });
  const { payload: _dropped, ...rest } = secret.data!;
  expect(readJobSecret({ ...secret, data: rest })).toEqual({ problem: `job Secret ${secret.metadata!.name} has no payload` });
});
