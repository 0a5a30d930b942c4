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

/**
 * The job Secret, mounted into the worker as files: keys `payload`, `plan-id` and `jitconfig` (when
 * given). Owned by the RunnerGroup so it cascades if the AGC never cleans it up.
 */
export function buildJobSecret(group: Pick<ProvisionerGroup, 'namespace' | 'name' | 'uid'>, content: JobSecretContent): Secret {
  const data: Record<string, string> = { payload: b64(content.payload), 'plan-id': b64(content.planId) };
  if (content.jitConfig) data['jitconfig'] = b64(content.jitConfig);
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
