/** A CEL rule as written in `x-kubernetes-validations`. */
export interface CelRule {
  rule: string;
  message: string;
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

/** Bounds of a duration field, in milliseconds. Read by validation; dropped from the CRD. */
export interface DurationBounds {
  readonly minMs: number;
  readonly maxMs?: number;
}

/**
 * An OpenAPI v3 structural schema node (apiextensions.k8s.io/v1 JSONSchemaProps), the subset this API uses.
 * Keys starting `x-ag-` are core's own annotations for validation messages; {@link toCrdSchema} strips them.
 */
export interface SchemaNode {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  format?: 'int32' | 'int64' | 'date-time';
  properties?: Readonly<Record<string, SchemaNode>>;
  required?: readonly string[];
  additionalProperties?: SchemaNode;
  items?: SchemaNode;
  anyOf?: readonly SchemaNode[];
  enum?: readonly (string | number)[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  pattern?: string;
  'x-kubernetes-preserve-unknown-fields'?: true;
  'x-kubernetes-int-or-string'?: true;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: readonly string[];
  'x-kubernetes-validations'?: readonly CelRule[];
  /** core-only: the field is a Go duration string with these bounds. */
  'x-ag-duration'?: DurationBounds;
  /** core-only: human wording of `pattern` for validation messages. */
  'x-ag-pattern-message'?: string;
}

/** Returns the schema as the CRD carries it: every `x-ag-*` key removed, recursively. */
export function toCrdSchema(node: SchemaNode): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-ag-') || value === undefined) continue;
    if (key === 'properties') {
      const props: Record<string, unknown> = {};
      for (const [name, child] of Object.entries(value as Record<string, SchemaNode>)) props[name] = toCrdSchema(child);
      out[key] = props;
    } else if (key === 'items' || key === 'additionalProperties') {
      out[key] = toCrdSchema(value as SchemaNode);
    } else if (key === 'anyOf') {
      out[key] = (value as SchemaNode[]).map(toCrdSchema);
    } else {
      out[key] = value;
    }
  }
  return out;
}
