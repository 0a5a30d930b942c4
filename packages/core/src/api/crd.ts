// The CustomResourceDefinitions, built from the schemas (the single source of truth). `pnpm generate` writes
// them to deploy/crds/ as YAML; a test fails when the committed files drift from this.
import { actionsGatewaySchema } from './actions-gateway-schema.js';
import { ACTIONS_GATEWAY_KIND, API_CATEGORY, API_GROUP, API_VERSION_V1ALPHA1, RUNNER_GROUP_KIND } from './group.js';
import { runnerGroupSchema } from './runner-group-schema.js';
import { toCrdSchema, type SchemaNode } from './schema-types.js';

/** An `additionalPrinterColumns` entry. */
interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'date';
  jsonPath: string;
  priority?: number;
  description?: string;
}

const readyStatus = '.status.conditions[?(@.type=="Ready")].status';
const readyReason = '.status.conditions[?(@.type=="Ready")].reason';

const commonTail: PrinterColumn[] = [
  { name: 'Ready', type: 'string', jsonPath: readyStatus },
  { name: 'Reason', type: 'string', jsonPath: readyReason, priority: 1 },
  { name: 'ObservedGen', type: 'integer', jsonPath: '.status.observedGeneration', priority: 1 },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];

function crd(
  names: { kind: string; plural: string; singular: string; shortName: string; listKind: string },
  schema: SchemaNode,
  columns: PrinterColumn[],
): Record<string, unknown> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${names.plural}.${API_GROUP}`,
      labels: { 'app.kubernetes.io/part-of': 'actions-gateway' },
    },
    spec: {
      group: API_GROUP,
      names: {
        kind: names.kind,
        listKind: names.listKind,
        plural: names.plural,
        singular: names.singular,
        shortNames: [names.shortName],
        categories: [API_CATEGORY],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: API_VERSION_V1ALPHA1,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: columns,
          schema: { openAPIV3Schema: toCrdSchema(schema) },
        },
      ],
    },
  };
}

/** The ActionsGateway CRD (apiextensions.k8s.io/v1). */
export function actionsGatewayCrd(): Record<string, unknown> {
  return crd(ACTIONS_GATEWAY_KIND, actionsGatewaySchema, [
    { name: 'ProxyReady', type: 'integer', jsonPath: '.status.proxyReadyReplicas' },
    ...commonTail,
  ]);
}

/** The RunnerGroup CRD (apiextensions.k8s.io/v1). */
export function runnerGroupCrd(): Record<string, unknown> {
  return crd(RUNNER_GROUP_KIND, runnerGroupSchema, [
    { name: 'Protocol', type: 'string', jsonPath: '.spec.acquisitionProtocol' },
    { name: 'MaxListeners', type: 'integer', jsonPath: '.spec.maxListeners' },
    { name: 'ActiveSessions', type: 'integer', jsonPath: '.status.activeSessions' },
    ...commonTail,
  ]);
}

/** The files under `deploy/crds/`, as objects: each CRD and the kustomization listing them. */
export function crdManifests(): ReadonlyArray<{ file: string; object: Record<string, unknown> }> {
  return [
    { file: 'actionsgateways.yaml', object: actionsGatewayCrd() },
    { file: 'runnergroups.yaml', object: runnerGroupCrd() },
    {
      file: 'kustomization.yaml',
      object: {
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: ['actionsgateways.yaml', 'runnergroups.yaml'],
      },
    },
  ];
}
