// The worker pod template schema.
//
// Choice: a *structural subset* with `x-kubernetes-preserve-unknown-fields: true` on the template's pod spec
// and on each container. The fields core reasons about (containers, names, images, env, resources,
// securityContext.privileged, the host* switches, serviceAccountName, automountServiceAccountToken,
// priorityClassName, activeDeadlineSeconds, restartPolicy, volumes' names and hostPath) are typed, so the API
// server type-checks them and validation can name them; every other PodSpec field passes through untouched.
// Why not the full PodTemplateSpec schema: it is ~10k lines that core would have to vendor and keep in step
// with Kubernetes releases, and the API server validates the real pod when the AGC creates it anyway.
import { DNS_LABEL_PATTERN, DNS_SUBDOMAIN_PATTERN, resourcesSchema, str, stringMap } from './schema-parts.js';
import type { SchemaNode } from './schema-types.js';

const envVarSchema: SchemaNode = {
  type: 'object',
  required: ['name'],
  properties: {
    name: str({ minLength: 1, maxLength: 256 }),
    value: str(),
    valueFrom: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  },
};

const containerSecurityContextSchema: SchemaNode = {
  type: 'object',
  'x-kubernetes-preserve-unknown-fields': true,
  properties: {
    privileged: { type: 'boolean' },
    allowPrivilegeEscalation: { type: 'boolean' },
    runAsNonRoot: { type: 'boolean' },
    runAsUser: { type: 'integer', format: 'int64' },
    readOnlyRootFilesystem: { type: 'boolean' },
    capabilities: {
      type: 'object',
      properties: {
        add: { type: 'array', maxItems: 64, items: str({ maxLength: 64 }) },
        drop: { type: 'array', maxItems: 64, items: str({ maxLength: 64 }) },
      },
    },
  },
};

const containerSchema: SchemaNode = {
  type: 'object',
  required: ['name'],
  'x-kubernetes-preserve-unknown-fields': true,
  properties: {
    name: str({ maxLength: 63, pattern: DNS_LABEL_PATTERN, 'x-ag-pattern-message': 'must be a DNS label' }),
    image: str({ maxLength: 1024 }),
    env: { type: 'array', maxItems: 256, items: envVarSchema },
    resources: resourcesSchema,
    securityContext: containerSecurityContextSchema,
  },
};

/** A list of containers, keyed by name (the API server refuses two containers with one name). */
function containerList(description: string): SchemaNode {
  return {
    type: 'array',
    description,
    maxItems: 32,
    items: containerSchema,
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['name'],
  };
}

const volumeSchema: SchemaNode = {
  type: 'object',
  required: ['name'],
  'x-kubernetes-preserve-unknown-fields': true,
  properties: {
    name: str({ maxLength: 63, pattern: DNS_LABEL_PATTERN, 'x-ag-pattern-message': 'must be a DNS label' }),
    hostPath: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  },
};

/** `podTemplate`: a corev1.PodTemplateSpec, typed where core reads it and open elsewhere. */
export const podTemplateSchema: SchemaNode = {
  type: 'object',
  description: 'Worker pod template (corev1.PodTemplateSpec).',
  required: ['spec'],
  properties: {
    metadata: {
      type: 'object',
      properties: { labels: stringMap(64), annotations: stringMap(64) },
    },
    spec: {
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
      required: ['containers'],
      properties: {
        containers: containerList('Containers (may be empty); a container named "runner" is the job runner, prepended when absent.'),
        initContainers: containerList('Init containers.'),
        volumes: {
          type: 'array',
          maxItems: 64,
          items: volumeSchema,
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
        },
        hostNetwork: { type: 'boolean' },
        hostPID: { type: 'boolean' },
        hostIPC: { type: 'boolean' },
        serviceAccountName: str({ maxLength: 253 }),
        serviceAccount: str({ maxLength: 253 }),
        automountServiceAccountToken: { type: 'boolean' },
        priorityClassName: str({ maxLength: 253, pattern: DNS_SUBDOMAIN_PATTERN }),
        activeDeadlineSeconds: { type: 'integer', format: 'int64', minimum: 1 },
        restartPolicy: str({ enum: ['Always', 'OnFailure', 'Never'] }),
        securityContext: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
  },
};
