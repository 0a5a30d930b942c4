// RunnerGroup.spec, shared verbatim (plus `name`) by ActionsGateway.spec.runnerGroups[].
import { RUNNER_GROUP_DEFAULTS as D } from './defaults.js';
import { podTemplateSchema } from './pod-template-schema.js';
import { DNS_LABEL_PATTERN, DNS_SUBDOMAIN_PATTERN, duration, int32, resourceSchema, statusSchema, str } from './schema-parts.js';
import type { SchemaNode } from './schema-types.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Most priority tiers a group may declare. */
export const MAX_PRIORITY_TIERS = 10;

/** Most spare agents a classic group may hold (`spec.spareAgents`; each is a registered runner at GitHub). */
export const MAX_SPARE_AGENTS = 100;

const priorityTierSchema: SchemaNode = {
  type: 'object',
  required: ['priorityClassName', 'threshold'],
  properties: {
    priorityClassName: str({
      minLength: 1,
      maxLength: 253,
      pattern: DNS_SUBDOMAIN_PATTERN,
      'x-ag-pattern-message': 'must be a DNS subdomain (a PriorityClass name)',
      description: 'PriorityClass of worker pods created while this tier applies.',
    }),
    threshold: int32({ minimum: 1, description: 'Cumulative count of active worker pods up to which this tier applies.' }),
  },
};

/**
 * `maxWorkers` equals the last threshold. Written with exists/all because thresholds ascend, so the last one
 * is the largest; the CEL subset the testkit evaluates has no list indexing.
 */
const maxWorkersMatchesTiers =
  '!has(self.maxWorkers) || !has(self.priorityTiers) || size(self.priorityTiers) == 0 || ' +
  '(self.priorityTiers.exists(t, t.threshold == self.maxWorkers) && self.priorityTiers.all(t, t.threshold <= self.maxWorkers))';

/** The properties of a RunnerGroup spec. */
export const runnerGroupSpecProperties: Readonly<Record<string, SchemaNode>> = {
  acquisitionProtocol: str({
    enum: ['ScaleSet', 'Classic'],
    default: D.acquisitionProtocol,
    description: 'ScaleSet: GitHub runner scale-set API. Classic: broker sessions with single-use JIT agents.',
  }),
  maxListeners: int32({ minimum: 1, maximum: 1000, default: D.maxListeners, description: 'Concurrent listener sessions polling for jobs. A running job does not hold one: cap running jobs with maxWorkers.' }),
  spareAgents: int32({
    minimum: 0,
    maximum: MAX_SPARE_AGENTS,
    default: D.spareAgents,
    description:
      'Classic: agents registered ahead beyond maxListeners, so a session that took a job reopens on a spare at once while the spent agent is replaced. Each is one more registered runner and Secret. ScaleSet: ignored.',
  }),
  maxWorkers: int32({ minimum: 1, description: 'Cap on active (Pending + Running) worker pods. Must equal the last tier threshold when tiers are set.' }),
  runnerLabels: {
    type: 'array',
    description: 'Labels registered with GitHub and matched by runs-on.',
    minItems: 1,
    maxItems: 64,
    'x-kubernetes-list-type': 'set',
    items: str({ minLength: 1, maxLength: 256, pattern: '^[^,\\s]+$', 'x-ag-pattern-message': 'must not contain commas or whitespace' }),
  },
  priorityTiers: {
    type: 'array',
    description: 'Cumulative priority tiers, thresholds strictly ascending.',
    maxItems: MAX_PRIORITY_TIERS,
    items: priorityTierSchema,
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['threshold'],
  },
  podTemplate: podTemplateSchema,
  workerImage: str({ maxLength: 1024, description: 'Image of the prepended runner container when the template has none.' }),
  maxEvictionRetries: int32({
    minimum: 0,
    maximum: 10,
    default: D.maxEvictionRetries,
    description: 'Re-runs per workflow run after its worker pod was evicted, preempted or drained.',
  }),
  evictionRetryDelay: duration({ minMs: SECOND, default: D.evictionRetryDelay, description: 'Wait before re-running an evicted job.' }),
  maxQuotaRetries: int32({
    minimum: 0,
    maximum: 20,
    default: D.maxQuotaRetries,
    description: 'Extra pod-create attempts after a ResourceQuota refusal (quotaRetryDelay apart); other refusals fail at once.',
  }),
  quotaRetryDelay: duration({ minMs: SECOND, default: D.quotaRetryDelay, description: 'Delay between pod-create attempts after a quota refusal.' }),
  completedPodTTL: duration({ minMs: 0, default: D.completedPodTTL, description: 'Retention of terminal worker pods.' }),
  pendingPodDeadline: duration({ minMs: SECOND, default: D.pendingPodDeadline, description: 'Pending worker pods older than this are reaped.' }),
  maxWorkerLifetime: duration({
    minMs: MINUTE,
    maxMs: 120 * HOUR,
    default: D.maxWorkerLifetime,
    description: "Worker pod activeDeadlineSeconds. At most 120h, GitHub's limit for a self-hosted job.",
  }),
};

/** Object-level rules of a RunnerGroup spec. */
export const runnerGroupSpecRules = [
  { rule: maxWorkersMatchesTiers, message: 'maxWorkers must equal the last priorityTiers threshold when both are set' },
] as const;

/** `RunnerGroup.spec`. */
export const runnerGroupSpecSchema: SchemaNode = {
  type: 'object',
  required: ['runnerLabels', 'podTemplate'],
  properties: runnerGroupSpecProperties,
  'x-kubernetes-validations': runnerGroupSpecRules,
};

/** An `ActionsGateway.spec.runnerGroups[]` entry: the RunnerGroup spec plus its `name`. */
export const runnerGroupTemplateSchema: SchemaNode = {
  type: 'object',
  required: ['name', 'runnerLabels', 'podTemplate'],
  properties: {
    name: str({
      minLength: 1,
      maxLength: 63,
      pattern: DNS_LABEL_PATTERN,
      'x-ag-pattern-message': 'must be a DNS label (lowercase letters, digits and "-", starting and ending alphanumeric)',
      description: 'Unique within the gateway; the RunnerGroup object is named <gateway>-<name>.',
    }),
    ...runnerGroupSpecProperties,
  },
  'x-kubernetes-validations': runnerGroupSpecRules,
};

/** `RunnerGroup.status`. */
export const runnerGroupStatusSchema: SchemaNode = statusSchema({
  activeSessions: int32({ minimum: 0, description: 'Open listener sessions of this group.' }),
});

/** The whole RunnerGroup object schema (the CRD's openAPIV3Schema). */
export const runnerGroupSchema: SchemaNode = resourceSchema(
  'A group of single-use GitHub Actions runners served by the tenant AGC.',
  runnerGroupSpecSchema,
  runnerGroupStatusSchema,
);
