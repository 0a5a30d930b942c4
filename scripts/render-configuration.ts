// Renders docs/configuration.md from core's schemas: every field of ActionsGateway and RunnerGroup with its
// type, default, bounds and description. Shared by `pnpm generate` and the drift test, so both render alike.
import {
  actionsGatewaySchema,
  formatDuration,
  podTemplateSchema,
  PROXY_RESOURCE_DEFAULTS,
  runnerGroupSchema,
  type SchemaNode,
} from '../packages/core/src/index.js';

/** Where the rendered reference lives, relative to the repository root. */
export const configurationDocPath = 'docs/configuration.md';

const code = (text: string): string => `\`${text}\``;
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** One table row: a field and what the schema says about it. */
interface FieldRow {
  readonly path: string;
  readonly node: SchemaNode;
  readonly required: boolean;
}

function typeOf(node: SchemaNode): string {
  if (node['x-ag-duration']) return 'duration';
  if (node['x-kubernetes-int-or-string']) return 'quantity (int or string)';
  if (node.type === 'array') return `list of ${node.items ? typeOf(node.items) : 'any'}`;
  if (node.type === 'object' && node.additionalProperties && !node.properties) {
    return `map of string to ${typeOf(node.additionalProperties)}`;
  }
  if (node.type === 'integer' && node.format) return `integer (${node.format})`;
  if (node.format === 'date-time') return 'timestamp';
  return node.type ?? 'any';
}

function defaultOf(node: SchemaNode): string {
  if (node.default === undefined) return '—';
  if (typeof node.default === 'string') return code(node.default);
  return code(JSON.stringify(node.default));
}

function range(min: number | undefined, max: number | undefined, unit = ''): string | undefined {
  if (min !== undefined && max !== undefined) return `${min}${unit}–${max}${unit}`;
  if (min !== undefined) return `≥ ${min}${unit}`;
  if (max !== undefined) return `≤ ${max}${unit}`;
  return undefined;
}

function boundsOf(node: SchemaNode): string {
  const parts: string[] = [];
  const duration = node['x-ag-duration'];
  if (duration) {
    const min = formatDuration(duration.minMs);
    parts.push(duration.maxMs === undefined ? `≥ ${min}` : `${min}–${formatDuration(duration.maxMs)}`);
  } else {
    const value = range(node.minimum, node.maximum);
    if (value) parts.push(value);
    const length = range(node.minLength, node.maxLength);
    if (length) parts.push(`length ${length}`);
    if (node.pattern) parts.push(node['x-ag-pattern-message'] ?? `matches ${code(node.pattern)}`);
  }
  const items = range(node.minItems, node.maxItems);
  if (items) parts.push(`${items} items`);
  if (node.maxProperties !== undefined) parts.push(`≤ ${node.maxProperties} entries`);
  if (node.enum) parts.push(`one of ${node.enum.map((v) => code(String(v))).join(', ')}`);
  if (node['x-kubernetes-list-type'] === 'map') {
    parts.push(`unique by ${(node['x-kubernetes-list-map-keys'] ?? []).map(code).join(', ')}`);
  }
  if (node['x-kubernetes-list-type'] === 'set') parts.push('unique values');
  return parts.length === 0 ? '—' : parts.join('; ');
}

function descriptionOf(node: SchemaNode): string {
  const text = node.description ?? '';
  const open = node['x-kubernetes-preserve-unknown-fields'] ? ' Fields not listed here pass through unchecked.' : '';
  const template = node === podTemplateSchema ? ' Fields: [worker pod template](#worker-pod-template).' : '';
  return (text + open + template).trim() || '—';
}

/** Every field under `node`, depth first, list items written as `path[]`. */
function fieldRows(node: SchemaNode, path: string): FieldRow[] {
  const rows: FieldRow[] = [];
  const required = new Set(node.required ?? []);
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const childPath = `${path}.${name}`;
    rows.push({ path: childPath, node: child, required: required.has(name) });
    // The pod template is one shared schema: its own section lists it once.
    if (child === podTemplateSchema) continue;
    if (child.properties) rows.push(...fieldRows(child, childPath));
    if (child.items?.properties) rows.push(...fieldRows(child.items, `${childPath}[]`));
  }
  return rows;
}

function rules(node: SchemaNode, path: string): string[] {
  const out: string[] = [];
  for (const rule of node['x-kubernetes-validations'] ?? []) {
    const field = rule.fieldPath ? `${path}${rule.fieldPath}` : path;
    out.push(`- ${code(field)}: ${rule.message}.`);
  }
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    if (child['x-ag-duration'] || child === podTemplateSchema) continue; // in the table, or in its own section
    out.push(...rules(child, `${path}.${name}`));
    if (child.items) out.push(...rules(child.items, `${path}.${name}[]`));
  }
  return out;
}

function table(rows: readonly FieldRow[]): string[] {
  return [
    '| Field | Type | Required | Default | Bounds | Description |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      ({ path, node, required }) =>
        `| ${code(path)} | ${cell(typeOf(node))} | ${required ? 'yes' : 'no'} | ${cell(defaultOf(node))} | ${cell(boundsOf(node))} | ${cell(descriptionOf(node))} |`,
    ),
  ];
}

function kindSection(kind: string, schema: SchemaNode, intro: string): string[] {
  const spec = schema.properties?.spec;
  const status = schema.properties?.status;
  if (!spec || !status) throw new Error(`${kind} schema has no spec or status`);
  const specRules = rules(spec, 'spec');
  return [
    `## ${kind}`,
    '',
    intro,
    '',
    `### ${kind} spec`,
    '',
    ...table(fieldRows(spec, 'spec')),
    '',
    ...(specRules.length > 0 ? [`### ${kind} rules`, '', 'Checked by the API server (CEL) and by the webhook:', '', ...specRules, ''] : []),
    `### ${kind} status`,
    '',
    'Written by the controllers; read-only for users.',
    '',
    ...table(fieldRows(status, 'status')),
    '',
  ];
}

/** The whole generated document. `pnpm generate` writes it; a test fails when the file drifts. */
export function renderConfigurationMarkdown(): string {
  const proxyDefaults = PROXY_RESOURCE_DEFAULTS;
  return [
    '# Configuration reference',
    '',
    '<!-- Generated from packages/core/src/api (the schemas) by `pnpm generate`. Do not edit by hand. -->',
    '',
    'Every field of the two custom resources, as the CRDs and the validating webhook enforce them. Group',
    '`actions-gateway.github.com`, version `v1alpha1`. Durations are Go duration strings (`30s`, `5m`, `1h30m`);',
    'quantities are Kubernetes resource quantities (`500m`, `1Gi`). A field with a default is filled in by the API',
    'server when omitted. A list item\'s fields are written `field[].child`.',
    '',
    'How to write a first gateway: [tenant-onboarding.md](tenant-onboarding.md). Host flags and environment',
    'variables: [observability.md](observability.md#flags-and-environment-of-every-host).',
    '',
    ...kindSection(
      'ActionsGateway',
      actionsGatewaySchema,
      [
        'One per tenant namespace. The GMC provisions the tenant\'s AGC, egress proxy pool, RBAC, NetworkPolicies and',
        'one RunnerGroup per `spec.runnerGroups[]` entry (named `<gateway>-<name>`). Proxy container resources not set',
        `in \`spec.proxy.resources\` default per key to requests ${code(`cpu: ${proxyDefaults.requests.cpu}`)}, ${code(`memory: ${proxyDefaults.requests.memory}`)}`,
        `and limits ${code(`cpu: ${proxyDefaults.limits.cpu}`)}, ${code(`memory: ${proxyDefaults.limits.memory}`)}.`,
      ].join('\n'),
    ),
    ...kindSection(
      'RunnerGroup',
      runnerGroupSchema,
      [
        'Usually created by the GMC from `ActionsGateway.spec.runnerGroups[]` (same fields, without `name`); the',
        'tenant\'s AGC serves every RunnerGroup in its namespace.',
      ].join('\n'),
    ),
    '## Worker pod template',
    '',
    '`podTemplate` of a RunnerGroup (and of each `ActionsGateway.spec.runnerGroups[]` entry) is a',
    '`corev1.PodTemplateSpec`. The fields below are typed and checked by the CRD and the webhook; every other',
    'PodSpec field passes through to the worker pod, which the API server validates when the AGC creates it.',
    'The AGC prepends the `runner` container when the template has none, and sets the job\'s own volumes, env and',
    'security defaults (see [tenant-onboarding.md](tenant-onboarding.md#the-worker-pod-template)).',
    '',
    ...table(fieldRows(podTemplateSchema, 'podTemplate')),
    '',
  ].join('\n');
}
