import type { Secret } from '../ports/k8s-objects.js';
import { runnerGroupOwnerReference, type ProvisionerGroup } from './group.js';
import { Labels } from '../naming/names.js';
import { runnerGroupLabelValue } from './labels.js';
import { jobSecretName, planIdLabelValue } from './names.js';

/** What the worker needs to run one job: the raw acquire body and, for the classic tier, the agent's JIT config. */
export interface JobSecretContent {
  readonly planId: string;
  readonly payload: string;
  readonly jitConfig?: string | undefined;
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** The job Secret's data keys (the worker reads them as files of the same names). */
const KEYS = { payload: 'payload', planId: 'plan-id', jitConfig: 'jitconfig' } as const;

/**
 * The job Secret, mounted into the worker as files: keys `payload`, `plan-id` and `jitconfig` (when
 * given). Owned by the RunnerGroup so it cascades if the AGC never cleans it up.
 */
export function buildJobSecret(group: Pick<ProvisionerGroup, 'namespace' | 'name' | 'uid'>, content: JobSecretContent): Secret {
  const data: Record<string, string> = { [KEYS.payload]: b64(content.payload), [KEYS.planId]: b64(content.planId) };
  if (content.jitConfig) data[KEYS.jitConfig] = b64(content.jitConfig);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: jobSecretName(content.planId),
      namespace: group.namespace,
      labels: {
        [Labels.managedBy]: Labels.managedByAgc,
        [Labels.runnerGroup]: runnerGroupLabelValue(group.name),
        [Labels.planId]: planIdLabelValue(content.planId),
      },
      ownerReferences: [runnerGroupOwnerReference(group)],
    },
    data,
  };
}

/**
 * Reads a job Secret back (a restarted AGC taking its job over): what {@link buildJobSecret} wrote, or a
 * problem naming the Secret and the missing key.
 */
export function readJobSecret(secret: Secret): JobSecretContent | { readonly problem: string } {
  const name = secret.metadata?.name ?? '(unnamed)';
  const read = (key: string): string | undefined => {
    const value = secret.data?.[key];
    return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
  };
  const planId = read(KEYS.planId);
  const payload = read(KEYS.payload);
  if (!planId) return { problem: `job Secret ${name} has no ${KEYS.planId}` };
  if (!payload) return { problem: `job Secret ${name} has no ${KEYS.payload}` };
  return { planId, payload, jitConfig: read(KEYS.jitConfig) };
}
