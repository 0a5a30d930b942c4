// The rendered GMC manifests against their contracts: the manager NetworkPolicy and the webhook port rule
// of the user's observability reference (read from the seed itself), the webhook configuration against the
// gmc's webhook server, the Deployment's flags and env through the gmc's own parser, and the pod hardening.
import { WEBHOOK_PATH, parseGmcConfig } from '@actions-gateway/operator';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { deployDir, find, kustomize, root, type Manifest } from './support.js';
import { ingressAllowed, selects, type Destination, type NetworkPolicy, type Source } from './network-policy-eval.js';

// The committed copy of the user's observability reference (the metrics package's drift test keeps it equal).
const seedPath = join(root, 'packages', 'metrics', 'test', 'fixtures', 'observability-seed.txt');

interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string }; configMapKeyRef?: { name: string; key: string } } }[];
  ports: { name?: string; containerPort: number; protocol?: string }[];
  securityContext?: Record<string, unknown>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface Deployment extends Manifest {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        serviceAccountName: string;
        securityContext: Record<string, unknown>;
        containers: Container[];
        volumes: { name: string; secret?: { secretName: string }; emptyDir?: unknown }[];
      };
    };
  };
}
interface Service extends Manifest {
  spec: { selector: Record<string, string>; ports: { name: string; port: number; targetPort: string | number }[] };
}
interface Webhook {
  name: string;
  clientConfig: { service?: { name: string; namespace: string; path: string; port?: number }; url?: string; caBundle?: string };
  rules: { apiGroups: string[]; apiVersions: string[]; operations: string[]; resources: string[] }[];
  failurePolicy: string;
  sideEffects: string;
  admissionReviewVersions: string[];
  namespaceSelector?: unknown;
  objectSelector?: unknown;
}

let objects: Manifest[];
let deployment: Deployment;
let manager: Container;
let policies: NetworkPolicy[];
let gmcPod: Destination;
/** The seed's rule, read from the seed: the namespace label that opens /metrics, and the webhook's container port. */
let seedRule: { labelKey: string; labelValue: string; webhookPort: number };

const podIn = (namespace: string, namespaceLabels: Record<string, string>, ip = '10.244.1.7'): Source => ({
  kind: 'pod',
  namespace,
  namespaceLabels: { 'kubernetes.io/metadata.name': namespace, ...namespaceLabels },
  podLabels: { app: 'prometheus' },
  ip,
});
const apiServer: Source = { kind: 'host', ip: '172.18.0.2' };

function containerPort(name: string): number {
  const port = manager.ports.find((p) => p.name === name);
  if (!port) throw new Error(`the manager container has no port named ${name}`);
  return port.containerPort;
}

beforeAll(async () => {
  objects = await kustomize(deployDir);
  deployment = find<Deployment>(objects, 'Deployment', 'gmc-controller-manager');
  manager = deployment.spec.template.spec.containers[0]!;
  policies = objects.filter((o) => o.kind === 'NetworkPolicy') as unknown as NetworkPolicy[];
  gmcPod = { namespace: 'gmc-system', labels: deployment.spec.template.metadata.labels, containerPorts: manager.ports };
  const seed = readFileSync(seedPath, 'utf8');
  const label = /kubectl label namespace <prometheus-namespace> ([\w./-]+)=([\w.-]+)/.exec(seed);
  const webhook = /validating-webhook port \(container (\d+)\)/.exec(seed);
  if (!label || !webhook) throw new Error(`the seed ${seedPath} no longer states the manager NetworkPolicy rule in the expected words`);
  seedRule = { labelKey: label[1]!, labelValue: label[2]!, webhookPort: Number(webhook[1]) };
});

describe('the manager NetworkPolicy (seed: /metrics only from `metrics: enabled` namespaces, the webhook port from anywhere)', () => {
  it('selects the GMC pods and governs ingress only', () => {
    const np = policies.find((p) => selects(p.spec.podSelector, gmcPod.labels) && p.metadata.namespace === 'gmc-system');
    expect(np, 'a NetworkPolicy selecting the GMC pods').toBeDefined();
    expect(np!.spec.policyTypes).toEqual(['Ingress']);
  });

  it('admits /metrics only from namespaces carrying the seed label', () => {
    const metrics = containerPort('metrics');
    const { labelKey, labelValue } = seedRule;
    expect(ingressAllowed(policies, podIn('monitoring', { [labelKey]: labelValue }), gmcPod, metrics)).toBe(true);
    expect(ingressAllowed(policies, podIn('monitoring', {}), gmcPod, metrics)).toBe(false);
    expect(ingressAllowed(policies, podIn('monitoring', { [labelKey]: 'disabled' }), gmcPod, metrics)).toBe(false);
    expect(ingressAllowed(policies, podIn('gmc-system', {}), gmcPod, metrics), 'the GMC namespace itself is not labelled').toBe(false);
    expect(ingressAllowed(policies, podIn('team-a', { 'actions-gateway.github.com/tenant': 'true' }), gmcPod, metrics)).toBe(false);
    expect(ingressAllowed(policies, apiServer, gmcPod, metrics), 'no address outside the pod network').toBe(false);
    expect(ingressAllowed(policies, podIn('monitoring', { [labelKey]: labelValue }), gmcPod, metrics, 'UDP')).toBe(false);
  });

  it('admits the webhook port from any source, the kube-apiserver included', () => {
    const webhook = containerPort('webhook-server');
    expect(webhook).toBe(seedRule.webhookPort);
    for (const source of [apiServer, { kind: 'host', ip: '10.0.0.1' } as Source, podIn('team-a', {}), podIn('monitoring', { [seedRule.labelKey]: seedRule.labelValue })]) {
      expect(ingressAllowed(policies, source, gmcPod, webhook)).toBe(true);
    }
  });

  it('opens nothing else', () => {
    const open = new Set([containerPort('metrics'), containerPort('webhook-server')]);
    const anyone = podIn('monitoring', { [seedRule.labelKey]: seedRule.labelValue });
    for (const port of [22, 443, 2379, containerPort('health'), 8443, 9090, 10250]) {
      if (open.has(port)) continue;
      expect(ingressAllowed(policies, anyone, gmcPod, port), `port ${port}`).toBe(false);
      expect(ingressAllowed(policies, apiServer, gmcPod, port), `port ${port}`).toBe(false);
    }
  });

  it('has teeth: the same checks catch a policy that drops the namespace selector', () => {
    const loose = policies.map((p) => ({ ...p, spec: { ...p.spec, ingress: (p.spec.ingress ?? []).map((r) => ({ ports: r.ports })) } }));
    expect(ingressAllowed(loose, podIn('monitoring', {}), gmcPod, containerPort('metrics'))).toBe(true);
  });
});

describe('the validating webhook configuration', () => {
  let webhook: Webhook;
  let service: Service;
  beforeAll(() => {
    const vwc = find(objects, 'ValidatingWebhookConfiguration', 'gmc-validating-webhook-configuration');
    const hooks = vwc['webhooks'] as Webhook[];
    expect(hooks).toHaveLength(1);
    webhook = hooks[0]!;
    service = find<Service>(objects, 'Service', webhook.clientConfig.service!.name);
  });

  it('validates ActionsGateway CREATE and UPDATE, fails closed, has no side effects, and needs no namespace label', () => {
    expect(webhook.name).toBe('vactionsgateway-v1alpha1.kb.io');
    expect(webhook.rules).toEqual([{ apiGroups: ['actions-gateway.github.com'], apiVersions: ['v1alpha1'], operations: ['CREATE', 'UPDATE'], resources: ['actionsgateways'], scope: 'Namespaced' }]);
    expect(webhook.failurePolicy).toBe('Fail');
    expect(webhook.sideEffects).toBe('None');
    expect(webhook.admissionReviewVersions).toEqual(['v1']);
    expect(webhook.namespaceSelector).toBeUndefined();
    expect(webhook.objectSelector).toBeUndefined();
  });

  it('reaches the gmc webhook server: Service in the GMC namespace, its port to the container webhook port, the server path', () => {
    const ref = webhook.clientConfig.service!;
    expect(ref.namespace).toBe(deployment.metadata.namespace);
    expect(ref.path).toBe(WEBHOOK_PATH);
    expect(service.metadata.namespace).toBe(ref.namespace);
    const port = service.spec.ports.find((p) => p.port === (ref.port ?? 443));
    expect(port, `Service port ${ref.port ?? 443}`).toBeDefined();
    const target = typeof port!.targetPort === 'number' ? port!.targetPort : containerPort(port!.targetPort);
    expect(target).toBe(seedRule.webhookPort);
    expect(selects({ matchLabels: service.spec.selector }, gmcPod.labels)).toBe(true);
  });

  it('gets its serving certificate and caBundle from cert-manager, mounted where the gmc reads it', () => {
    const vwc = find(objects, 'ValidatingWebhookConfiguration', 'gmc-validating-webhook-configuration');
    const [namespace, name] = (vwc.metadata.annotations?.['cert-manager.io/inject-ca-from'] ?? '').split('/');
    const cert = find<Manifest & { spec: { secretName: string; dnsNames: string[]; issuerRef: { name: string; kind: string } } }>(objects, 'Certificate', name!);
    expect(cert.metadata.namespace).toBe(namespace);
    expect(cert.spec.dnsNames).toContain(`${service.metadata.name}.${service.metadata.namespace}.svc`);
    find(objects, cert.spec.issuerRef.kind, cert.spec.issuerRef.name);
    const volume = deployment.spec.template.spec.volumes.find((v) => v.secret?.secretName === cert.spec.secretName);
    expect(volume, `a volume of Secret ${cert.spec.secretName}`).toBeDefined();
    const mount = manager.volumeMounts?.find((m) => m.name === volume!.name);
    const certDir = manager.args?.find((a) => a.startsWith('--webhook-cert-path='))?.split('=')[1];
    expect(mount?.mountPath).toBe(certDir);
  });
});

describe('the GMC Deployment', () => {
  /** The container env as the kubelet would resolve it (ConfigMap refs from the rendered ConfigMap). */
  function resolvedEnv(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const e of manager.env ?? []) {
      if (e.value !== undefined) env[e.name] = e.value;
      else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = deployment.metadata.namespace!;
      else if (e.valueFrom?.configMapKeyRef) {
        const cm = find<Manifest & { data: Record<string, string> }>(objects, 'ConfigMap', e.valueFrom.configMapKeyRef.name);
        env[e.name] = cm.data[e.valueFrom.configMapKeyRef.key]!;
      }
    }
    return env;
  }

  it('passes flags and env the gmc accepts: leader election, the ports, digest-pinned AGC and proxy images', () => {
    const config = parseGmcConfig(manager.args ?? [], resolvedEnv());
    if ('help' in config) throw new Error('unexpected --help');
    expect(config.leaderElect).toBe(true);
    expect(config.metrics?.port).toBe(containerPort('metrics'));
    expect(config.health?.port).toBe(containerPort('health'));
    expect(config.webhook?.port).toBe(containerPort('webhook-server'));
    expect(config.enableWebhooks).toBe(true);
    expect(config.podNamespace).toBe('gmc-system');
    expect(config.agcImage).toMatch(/^ghcr\.io\/actions-gateway\/agc:[^@]+@sha256:[0-9a-f]{64}$/);
    expect(config.proxyImage).toMatch(/^ghcr\.io\/actions-gateway\/proxy:[^@]+@sha256:[0-9a-f]{64}$/);
    expect(manager.image).toMatch(/^ghcr\.io\/actions-gateway\/gmc:[^@]+@sha256:[0-9a-f]{64}$/);
  });

  it('runs two replicas behind a PDB, probes /healthz and /readyz on the health port', () => {
    expect(deployment.spec.replicas).toBe(2);
    const pdb = find<Manifest & { spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } } }>(objects, 'PodDisruptionBudget', 'gmc-controller-manager');
    expect(pdb.spec.minAvailable).toBe(1);
    expect(selects(pdb.spec.selector, gmcPod.labels)).toBe(true);
    expect(manager.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'health' });
    expect(manager.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'health' });
    expect(manager.resources?.requests).toBeDefined();
    expect(manager.resources?.limits?.memory).toBeDefined();
  });

  it('is hardened: non-root, read-only root filesystem, no privilege escalation, RuntimeDefault seccomp, no capabilities', () => {
    const pod = deployment.spec.template.spec.securityContext;
    expect(pod['runAsNonRoot']).toBe(true);
    expect(pod['runAsUser']).toBeGreaterThan(0);
    expect(pod['seccompProfile']).toEqual({ type: 'RuntimeDefault' });
    expect(manager.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    // With a read-only root, the only writable place is the /tmp emptyDir.
    const tmp = manager.volumeMounts?.find((m) => m.mountPath === '/tmp');
    expect(deployment.spec.template.spec.volumes.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
  });

  it('binds its ServiceAccount to the manager role cluster-wide and to the lease role in its namespace', () => {
    const sa = deployment.spec.template.spec.serviceAccountName;
    const subject = { kind: 'ServiceAccount', name: sa, namespace: 'gmc-system' };
    const crb = find<Manifest & { roleRef: { name: string }; subjects: unknown[] }>(objects, 'ClusterRoleBinding', 'gmc-manager-rolebinding');
    expect(crb.roleRef.name).toBe('gmc-manager-role');
    expect(crb.subjects).toEqual([subject]);
    const rb = find<Manifest & { roleRef: { name: string; kind: string }; subjects: unknown[] }>(objects, 'RoleBinding', 'gmc-leader-election-rolebinding');
    expect(rb.roleRef).toMatchObject({ kind: 'Role', name: 'gmc-leader-election-role' });
    expect(rb.subjects).toEqual([subject]);
    find(objects, 'ClusterRole', 'agc-tenant-role');
  });
});
