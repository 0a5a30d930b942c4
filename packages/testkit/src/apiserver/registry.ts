// Every resource type the server serves: the built-ins below plus the CRDs created at run time.

/** How a custom resource is served: its schema and table columns. */
export interface CustomServing {
  schema: Record<string, unknown> | undefined;
  columns: { name: string; type: string; jsonPath: string; description?: string; priority?: number; format?: string }[];
}

/** A served resource type. */
export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** Subresources served under `/{name}/…`: status, eviction, scale. */
  subresources: string[];
  /** Present for custom resources. */
  custom?: CustomServing;
}

export const apiVersionOf = (rt: ResourceType): string => (rt.group ? `${rt.group}/${rt.version}` : rt.version);

type Spec = [group: string, version: string, kind: string, plural: string, namespaced: boolean, sub?: string[], short?: string[]];

const builtins: Spec[] = [
  ['', 'v1', 'Namespace', 'namespaces', false, ['status'], ['ns']],
  ['', 'v1', 'Node', 'nodes', false, ['status'], ['no']],
  ['', 'v1', 'Pod', 'pods', true, ['status', 'eviction', 'log'], ['po']],
  ['', 'v1', 'Secret', 'secrets', true],
  ['', 'v1', 'ConfigMap', 'configmaps', true, [], ['cm']],
  ['', 'v1', 'ServiceAccount', 'serviceaccounts', true, [], ['sa']],
  ['', 'v1', 'Service', 'services', true, ['status'], ['svc']],
  ['', 'v1', 'Event', 'events', true, [], ['ev']],
  ['', 'v1', 'ResourceQuota', 'resourcequotas', true, ['status'], ['quota']],
  ['', 'v1', 'LimitRange', 'limitranges', true, [], ['limits']],
  ['', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true, ['status'], ['pvc']],
  ['events.k8s.io', 'v1', 'Event', 'events', true, [], ['ev']],
  ['apps', 'v1', 'Deployment', 'deployments', true, ['status', 'scale'], ['deploy']],
  ['apps', 'v1', 'ReplicaSet', 'replicasets', true, ['status', 'scale'], ['rs']],
  ['autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, ['status'], ['hpa']],
  ['policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true, ['status'], ['pdb']],
  ['networking.k8s.io', 'v1', 'NetworkPolicy', 'networkpolicies', true, [], ['netpol']],
  ['rbac.authorization.k8s.io', 'v1', 'Role', 'roles', true],
  ['rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings', true],
  ['rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false],
  ['rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', false],
  ['coordination.k8s.io', 'v1', 'Lease', 'leases', true],
  ['scheduling.k8s.io', 'v1', 'PriorityClass', 'priorityclasses', false, [], ['pc']],
  ['apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false, ['status'], ['crd', 'crds']],
  ['admissionregistration.k8s.io', 'v1', 'ValidatingWebhookConfiguration', 'validatingwebhookconfigurations', false],
  ['admissionregistration.k8s.io', 'v1', 'MutatingWebhookConfiguration', 'mutatingwebhookconfigurations', false],
  // Stored and served (kubectl apply works); the policies are not evaluated.
  ['admissionregistration.k8s.io', 'v1', 'ValidatingAdmissionPolicy', 'validatingadmissionpolicies', false, ['status']],
  ['admissionregistration.k8s.io', 'v1', 'ValidatingAdmissionPolicyBinding', 'validatingadmissionpolicybindings', false],
];

/** The mutable set of served types, looked up by group/version/plural or by apiVersion/kind. */
export class Registry {
  private readonly types = new Map<string, ResourceType>();

  constructor() {
    for (const [group, version, kind, plural, namespaced, sub = [], short = []] of builtins) {
      const categories = ['Pod', 'Deployment', 'Service', 'ReplicaSet', 'HorizontalPodAutoscaler'].includes(kind) ? ['all'] : [];
      this.add({ group, version, kind, plural, singular: kind.toLowerCase(), namespaced, shortNames: short, categories, subresources: sub });
    }
  }

  add(rt: ResourceType): void {
    this.types.set(`${rt.group}/${rt.version}/${rt.plural}`, rt);
  }

  remove(group: string, plural: string): void {
    for (const [key, rt] of this.types) if (rt.group === group && rt.plural === plural) this.types.delete(key);
  }

  byPlural(group: string, version: string, plural: string): ResourceType | undefined {
    return this.types.get(`${group}/${version}/${plural}`);
  }

  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    for (const rt of this.types.values()) if (apiVersionOf(rt) === apiVersion && rt.kind === kind) return rt;
    return undefined;
  }

  all(): ResourceType[] {
    return [...this.types.values()];
  }

  /** Group → versions, in registration order, for discovery. */
  groups(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const rt of this.types.values()) {
      const versions = out.get(rt.group) ?? [];
      if (!versions.includes(rt.version)) versions.push(rt.version);
      out.set(rt.group, versions);
    }
    return out;
  }
}

/** Store key of a type: versions of one group share storage. */
export const storageKey = (rt: ResourceType): string => `${rt.group}/${rt.plural}`;
