// Reusable schema pieces shared by both kinds.
import { DURATION_PATTERN, formatDuration } from './duration.js';
import type { SchemaNode } from './schema-types.js';

/** RFC 1123 DNS label: what runner group names must be. */
export const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
/** RFC 1123 DNS subdomain: object names such as PriorityClass and Secret names. */
export const DNS_SUBDOMAIN_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** A Kubernetes resource quantity ("500m", "1Gi", "2"). */
export const QUANTITY_PATTERN =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

/** int32 with optional bounds and default. */
export function int32(opts: { minimum?: number; maximum?: number; default?: number; description?: string } = {}): SchemaNode {
  return { type: 'integer', format: 'int32', ...opts };
}

/** A bounded string. */
export function str(opts: Omit<SchemaNode, 'type'> = {}): SchemaNode {
  return { type: 'string', ...opts };
}

/** A string → string map with a bounded size. */
export function stringMap(maxProperties = 64, description?: string): SchemaNode {
  return { type: 'object', description, maxProperties, additionalProperties: { type: 'string', maxLength: 4096 } };
}

/**
 * A Go duration string with a CEL bound check. `maxLength` keeps the API server's CEL cost estimate small.
 */
export function duration(opts: { minMs: number; maxMs?: number; default: string; description: string }): SchemaNode {
  const min = formatDuration(opts.minMs);
  const bounds = [`duration(self) >= duration('${min}')`];
  let message = `must be at least ${min}`;
  if (opts.maxMs !== undefined) {
    const max = formatDuration(opts.maxMs);
    bounds.push(`duration(self) <= duration('${max}')`);
    message = `must be between ${min} and ${max}`;
  }
  return {
    type: 'string',
    description: opts.description,
    default: opts.default,
    maxLength: 32,
    pattern: DURATION_PATTERN,
    'x-ag-pattern-message': 'must be a Go duration such as "30s", "5m" or "1h30m"',
    'x-kubernetes-validations': [{ rule: bounds.join(' && '), message }],
    'x-ag-duration': { minMs: opts.minMs, maxMs: opts.maxMs },
  };
}

/** A resource quantity (int or string), as in corev1.ResourceRequirements. */
export const quantitySchema: SchemaNode = {
  'x-kubernetes-int-or-string': true,
  anyOf: [{ type: 'integer' }, { type: 'string' }],
  pattern: QUANTITY_PATTERN,
  'x-ag-pattern-message': 'must be a resource quantity such as "500m" or "1Gi"',
};

/** corev1.ResourceRequirements (requests and limits; claims are not used here). */
export const resourcesSchema: SchemaNode = {
  type: 'object',
  properties: {
    requests: { type: 'object', maxProperties: 16, additionalProperties: quantitySchema },
    limits: { type: 'object', maxProperties: 16, additionalProperties: quantitySchema },
  },
};

/** metav1.Condition. */
export const conditionSchema: SchemaNode = {
  type: 'object',
  required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
  properties: {
    type: str({ maxLength: 316 }),
    status: str({ enum: ['True', 'False', 'Unknown'] }),
    observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
    lastTransitionTime: str({ format: 'date-time' }),
    reason: str({ maxLength: 1024, minLength: 1 }),
    message: str({ maxLength: 32768 }),
  },
};

/** `status.conditions`: a list map keyed by type. */
export const conditionsSchema: SchemaNode = {
  type: 'array',
  description: 'Current state, one condition per type (metav1.Condition).',
  maxItems: 16,
  items: conditionSchema,
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['type'],
};

/** The `status` of a custom resource: its conditions, its own fields, and `observedGeneration`. */
export function statusSchema(fields: Record<string, SchemaNode>): SchemaNode {
  return {
    type: 'object',
    properties: {
      conditions: conditionsSchema,
      ...fields,
      observedGeneration: {
        type: 'integer',
        format: 'int64',
        minimum: 0,
        description: 'The metadata.generation this status was computed from.',
      },
    },
  };
}

/** A whole custom resource object schema (a CRD's openAPIV3Schema) around its spec and status. */
export function resourceSchema(description: string, spec: SchemaNode, status: SchemaNode): SchemaNode {
  return {
    type: 'object',
    description,
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec,
      status,
    },
  };
}
