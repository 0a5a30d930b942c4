// ActionsGateway v1alpha1.
import { ACTIONS_GATEWAY_DEFAULTS as D } from './defaults.js';
import { runnerGroupTemplateSchema } from './runner-group-schema.js';
import { DNS_SUBDOMAIN_PATTERN, int32, resourceSchema, resourcesSchema, statusSchema, str, stringMap } from './schema-parts.js';
import type { SchemaNode } from './schema-types.js';

/** Most runner groups one gateway may declare (bounds CEL cost and the AGC's listener count). */
export const MAX_RUNNER_GROUPS = 50;

/** `OTEL_TRACES_SAMPLER` values (the seed's CRD-enforced enum). */
export const TRACING_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

/** A ratio in [0,1] written as a decimal string. */
export const SAMPLER_ARG_PATTERN = '^(0(\\.[0-9]+)?|1(\\.0+)?|\\.[0-9]+)$';

const gitHubAppRefSchema: SchemaNode = {
  type: 'object',
  description: 'The GitHub App the AGC authenticates as: a Secret in the gateway namespace.',
  required: ['name'],
  properties: {
    name: str({
      minLength: 1,
      maxLength: 253,
      pattern: DNS_SUBDOMAIN_PATTERN,
      'x-ag-pattern-message': 'must be a DNS subdomain (a Secret name)',
      description: 'Secret in this namespace holding appId, installationId and privateKey.',
    }),
    namespace: str({ maxLength: 63, description: 'Reserved; must be empty (cross-namespace references are refused).' }),
  },
  'x-kubernetes-validations': [
    { rule: '!has(self.namespace) || size(self.namespace) == 0', message: 'namespace must be empty: the Secret is always read from the gateway namespace', fieldPath: '.namespace' },
  ],
};

const proxySchema: SchemaNode = {
  type: 'object',
  description: "The tenant's egress proxy pool (a Deployment with an HPA): every GitHub-bound connection goes through it.",
  default: {},
  properties: {
    minReplicas: int32({ minimum: 1, maximum: 100, default: D.proxy.minReplicas, description: 'HPA floor of the proxy pool.' }),
    maxReplicas: int32({ minimum: 1, maximum: 100, default: D.proxy.maxReplicas, description: 'HPA ceiling of the proxy pool.' }),
    targetCPUUtilizationPercentage: int32({
      minimum: 1,
      maximum: 100,
      default: D.proxy.targetCPUUtilizationPercentage,
      description: 'HPA CPU target, in percent of the proxy container request.',
    }),
    resources: { ...resourcesSchema, description: 'Proxy container resources, merged per key over the defaults.' },
    noProxyCIDRs: {
      type: 'array',
      description: "Destinations the AGC reaches directly, not through the proxy (added to the AGC's NO_PROXY).",
      maxItems: 64,
      items: str({ minLength: 1, maxLength: 64 }),
    },
    managedNetworkPolicy: {
      type: 'boolean',
      default: D.proxy.managedNetworkPolicy,
      description: "Whether the GMC keeps the proxy's egress NetworkPolicy pinned to GitHub's published IP ranges.",
    },
  },
  'x-kubernetes-validations': [
    {
      rule: '!has(self.minReplicas) || !has(self.maxReplicas) || self.minReplicas <= self.maxReplicas',
      message: 'minReplicas must be less than or equal to maxReplicas',
    },
  ],
};

const tracingSchema: SchemaNode = {
  type: 'object',
  description: "OpenTelemetry tracing of the AGC, rendered into the standard OTEL_* env of the AGC Deployment.",
  properties: {
    endpoint: str({ maxLength: 2048, description: 'OTLP collector address; setting it enables tracing.' }),
    insecure: { type: 'boolean', description: 'Plaintext to the collector (OTEL_EXPORTER_OTLP_TRACES_INSECURE); TLS when false or unset.' },
    sampler: str({ enum: TRACING_SAMPLERS, description: 'OTEL_TRACES_SAMPLER.' }),
    samplerArg: str({
      maxLength: 32,
      pattern: SAMPLER_ARG_PATTERN,
      'x-ag-pattern-message': 'must be a number between 0 and 1',
      description: 'OTEL_TRACES_SAMPLER_ARG: the ratio for the ratio-based samplers.',
    }),
    resourceAttributes: stringMap(32, 'Added to OTEL_RESOURCE_ATTRIBUTES, sorted by key.'),
  },
};

/** `ActionsGateway.spec`. */
export const actionsGatewaySpecSchema: SchemaNode = {
  type: 'object',
  required: ['gitHubAppRef', 'gitHubURL'],
  properties: {
    gitHubAppRef: gitHubAppRefSchema,
    gitHubURL: str({
      minLength: 1,
      maxLength: 2048,
      pattern: '^https://',
      'x-ag-pattern-message': 'must start with https://',
      description: 'Organisation, repository or GHES URL, e.g. https://github.com/org.',
    }),
    proxy: proxySchema,
    runnerGroups: {
      type: 'array',
      description: 'The RunnerGroups the GMC creates in this namespace, one per entry, named <gateway>-<name>.',
      maxItems: MAX_RUNNER_GROUPS,
      items: runnerGroupTemplateSchema,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    },
    securityProfile: str({
      enum: ['privileged', 'baseline', 'restricted'],
      default: D.securityProfile,
      description: 'Pod Security Admission level stamped on the namespace; it may not be lowered without the allow-profile-downgrade annotation.',
    }),
    tracing: tracingSchema,
  },
};

/** `ActionsGateway.status`. */
export const actionsGatewayStatusSchema: SchemaNode = statusSchema({
  proxyReadyReplicas: int32({ minimum: 0, description: 'Ready replicas of the egress proxy pool.' }),
});

/** The whole ActionsGateway object schema (the CRD's openAPIV3Schema). */
export const actionsGatewaySchema: SchemaNode = resourceSchema(
  "A tenant's gateway: the GMC provisions its AGC, egress proxy, RBAC, NetworkPolicies and RunnerGroups.",
  actionsGatewaySpecSchema,
  actionsGatewayStatusSchema,
);
