// The gmc reconciling real ActionsGateways on the testkit API server (Deployments made ready by its kubelet).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTeardownPlan } from '@actions-gateway/core';
import { createMetrics } from '@actions-gateway/metrics';
import { AppsV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubernetesObject } from '@kubernetes/client-node';
import { ObjectWriter, applyCidrsToGateways, silentLogger, startGmc, type GmcProcess } from '../../src/index.js';
import { gmcArgs, gmcProcessEnv, sampleGateway, startGmcEnv, tenant, tenantInventory as inventory, type GmcEnv } from '../support/gmc-env.js';
import { waitFor } from '../support/scripted-watch-server.js';

let env: GmcEnv;
let gmc: GmcProcess;
let custom: CustomObjectsApi;

beforeAll(async () => {
  env = await startGmcEnv();
  custom = env.server.kubeConfig.makeApiClient(CustomObjectsApi);
  const started = await startGmc(gmcArgs(env, ['--allow-agc-extra-env', '--zap-log-level', 'error']), { ...gmcProcessEnv, AGC_EXTRA_OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317' });
  if ('help' in started) throw new Error('unexpected help');
  gmc = started;
}, 60_000);
afterAll(async () => {
  await gmc?.shutdown();
  await env?.close();
});

type Obj = KubernetesObject & { spec?: Record<string, unknown>; status?: Record<string, unknown>; data?: Record<string, string>; type?: string };
const get = (apiVersion: string, kind: string, namespace: string, name: string): Obj | undefined =>
  env.server.store.get({ apiVersion, kind, namespace, name });
const gateway = (ns: string): Obj | undefined => get('actions-gateway.github.com/v1alpha1', 'ActionsGateway', ns, 'gw');
const condition = (ns: string, type: string): { status: string; reason: string; message: string; observedGeneration?: number } | undefined =>
  ((gateway(ns)?.status?.['conditions'] ?? []) as { type: string; status: string; reason: string; message: string }[]).find((c) => c.type === type);

async function waitUntil(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  await waitFor(check, ms, what);
}


describe('gmc', () => {
  it('provisions every object of gag-system §3.3 and goes Ready=True once the Deployments are ready', async () => {
    await tenant(env, 'team-a');
    await env.objects.create(sampleGateway('team-a'));
    await waitUntil(() => inventory.every(([v, k, n]) => get(v, k, 'team-a', n) !== undefined), 'the tenant inventory');
    const proxy = get('apps/v1', 'Deployment', 'team-a', 'actions-gateway-proxy')!;
    expect(proxy.spec?.['replicas']).toBe(2);
    const rb = get('rbac.authorization.k8s.io/v1', 'RoleBinding', 'team-a', 'actions-gateway-controller') as Obj & { roleRef: { name: string } };
    expect(rb.roleRef.name).toBe('agc-tenant-role');
    const tls = get('v1', 'Secret', 'team-a', 'actions-gateway-proxy-tls')!;
    expect(tls.type).toBe('kubernetes.io/tls');
    expect(Buffer.from(tls.data!['tls.crt']!, 'base64').toString()).toContain('BEGIN CERTIFICATE');
    const agc = get('apps/v1', 'Deployment', 'team-a', 'actions-gateway-controller') as Obj;
    const containers = (agc.spec as { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } }).template.spec.containers;
    expect(containers[0]!.env.find((e) => e.name === 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT')?.value).toBe('https://otel-collector.observability:4317');
    // --allow-agc-extra-env: AGC_EXTRA_* is forwarded without the prefix, appended last.
    expect(containers[0]!.env.at(-1)).toEqual({ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://127.0.0.1:4317' });
    const ns = env.server.store.get({ apiVersion: 'v1', kind: 'Namespace', name: 'team-a' }) as Obj;
    expect(ns.metadata?.labels?.['pod-security.kubernetes.io/enforce']).toBe('baseline');
    await waitUntil(() => env.server.store.list('actions-gateway.github.com/v1alpha1', 'RunnerGroup', 'team-a').length === 1, 'the RunnerGroup');
    expect(gateway('team-a')?.metadata?.finalizers).toContain('actions-gateway.github.com/gmc-cleanup');
    await waitUntil(() => condition('team-a', 'Ready')?.status === 'True', 'Ready=True', 30_000);
    expect(condition('team-a', 'Ready')?.observedGeneration).toBe(gateway('team-a')?.metadata?.generation);
    expect(gateway('team-a')?.status?.['observedGeneration']).toBe(gateway('team-a')?.metadata?.generation);
  }, 60_000);

  it('kubectl get ag shows the printer columns', async () => {
    // Async: the API server runs in this process, so a blocking exec would starve it.
    const { stdout: out } = await promisify(execFile)('kubectl', ['--kubeconfig', env.kubeconfigPath, 'get', 'ag', '-n', 'team-a'], { encoding: 'utf8' });
    expect(out.split('\n')[0]).toMatch(/NAME\s+PROXYREADY\s+READY\s+AGE/i);
    expect(out).toMatch(/gw\s+2\s+True/);
  });

  it('never rewrites the proxy replicas after create (the HPA owns them)', async () => {
    const apps = env.server.kubeConfig.makeApiClient(AppsV1Api);
    await apps.patchNamespacedDeploymentScale(
      { name: 'actions-gateway-proxy', namespace: 'team-a', body: { spec: { replicas: 5 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    // A spec change makes the gmc reconcile (and re-apply the proxy Deployment).
    await custom.patchNamespacedCustomObject(
      { group: 'actions-gateway.github.com', version: 'v1alpha1', namespace: 'team-a', plural: 'actionsgateways', name: 'gw', body: { spec: { proxy: { maxReplicas: 9 } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await waitUntil(() => (get('autoscaling/v2', 'HorizontalPodAutoscaler', 'team-a', 'actions-gateway-proxy')?.spec?.['maxReplicas'] as number) === 9, 'the HPA updated');
    expect(get('apps/v1', 'Deployment', 'team-a', 'actions-gateway-proxy')?.spec?.['replicas']).toBe(5);
    await waitUntil(() => condition('team-a', 'Ready')?.observedGeneration === gateway('team-a')?.metadata?.generation, 'status of the new generation');
  });

  it('the IP-range refresh rewrites each proxy NetworkPolicy and counts it', async () => {
    const gateways = env.server.store.list('actions-gateway.github.com/v1alpha1', 'ActionsGateway') as never[];
    const metrics = createMetrics('controller');
    await applyCidrsToGateways(gateways, ['10.99.0.0/16'], new ObjectWriter(env.server.kubeConfig), metrics, silentLogger);
    expect(JSON.stringify(get('networking.k8s.io/v1', 'NetworkPolicy', 'team-a', 'actions-gateway-proxy'))).toContain('10.99.0.0/16');
    expect(await metrics.registry.metrics()).toContain('actions_gateway_ip_range_updates_total{namespace="team-a"} 1');
  });

  it('copies the GitHub ranges from /meta into the proxy NetworkPolicy', async () => {
    await waitUntil(() => JSON.stringify(get('networking.k8s.io/v1', 'NetworkPolicy', 'team-a', 'actions-gateway-proxy')).includes('4.148.0.0/16'), 'CIDRs in the proxy NetworkPolicy');
  });

  it('a missing App Secret gives CredentialUnavailable and nothing else is created', async () => {
    await tenant(env, 'team-b', false);
    await env.objects.create(sampleGateway('team-b'));
    await waitUntil(() => condition('team-b', 'CredentialUnavailable')?.status === 'True', 'CredentialUnavailable');
    expect(condition('team-b', 'Ready')).toMatchObject({ status: 'False', reason: 'CredentialUnavailable' });
    for (const [v, k, n] of inventory) expect(get(v, k, 'team-b', n), `${k}/${n}`).toBeUndefined();
  });

  it('creating the missing Secret is noticed by the Secret watch (well before the 30 s requeue)', async () => {
    await env.core.createNamespacedSecret({ namespace: 'team-b', body: { metadata: { name: 'app' }, stringData: { appId: '1', installationId: '2', privateKey: 'k' } } });
    await waitUntil(() => get('apps/v1', 'Deployment', 'team-b', 'actions-gateway-proxy') !== undefined, 'team-b provisioned', 10_000);
    await waitUntil(() => condition('team-b', 'CredentialUnavailable')?.status === 'False', 'CredentialUnavailable=False', 10_000);
  });

  it('an invalid CR that bypassed the webhook is not provisioned: Ready=False/InvalidSpec and a Warning Event', async () => {
    await tenant(env, 'team-c');
    const bad = sampleGateway('team-c', 'privileged-container.yaml');
    await env.objects.create(bad);
    await waitUntil(() => condition('team-c', 'Ready')?.reason === 'InvalidSpec', 'InvalidSpec');
    expect(condition('team-c', 'Ready')?.status).toBe('False');
    expect(condition('team-c', 'Ready')?.message).toMatch(/privileged/);
    for (const [v, k, n] of inventory) expect(get(v, k, 'team-c', n), `${k}/${n}`).toBeUndefined();
    await waitUntil(() => {
      const events = env.server.store.list('events.k8s.io/v1', 'Event', 'team-c') as (Obj & { type?: string; reason?: string })[];
      return events.some((e) => e.type === 'Warning' && e.reason === 'InvalidSpec');
    }, 'a Warning InvalidSpec Event');
  });

  it('deleting the CR tears everything down in order and removes the finalizer', async () => {
    const deleted: string[] = [];
    const unsubscribe = env.server.store.onChange((type, obj) => {
      const m = obj['metadata'] as { namespace?: string; name?: string };
      if (type === 'DELETED' && m.namespace === 'team-a') deleted.push(`${String(obj['kind'])}/${m.name}`);
    });
    const plan = buildTeardownPlan(gateway('team-a') as never);
    await custom.deleteNamespacedCustomObject({ group: 'actions-gateway.github.com', version: 'v1alpha1', namespace: 'team-a', plural: 'actionsgateways', name: 'gw' });
    await waitUntil(() => gateway('team-a') === undefined, 'the gateway gone', 30_000);
    for (const [v, k, n] of inventory.filter(([, k]) => k !== 'Secret')) expect(get(v, k, 'team-a', n), `${k}/${n}`).toBeUndefined();
    const rgs = await custom.listNamespacedCustomObject({ group: 'actions-gateway.github.com', version: 'v1alpha1', namespace: 'team-a', plural: 'runnergroups' }) as { items: Obj[] };
    expect(rgs.items).toHaveLength(0);
    unsubscribe();
    const expected = ['RunnerGroup', ...plan.deletes.map((d) => `${d.kind}/${d.name}`)];
    const seen = deleted.map((d) => (d.startsWith('RunnerGroup/') ? 'RunnerGroup' : d)).filter((d) => expected.includes(d));
    const firstIndex = expected.filter((e) => seen.includes(e)).map((e) => seen.indexOf(e));
    expect(firstIndex).toEqual([...firstIndex].sort((a, b) => a - b));
    expect(seen[0]).toBe('RunnerGroup');
    expect(seen).toContain('Deployment/actions-gateway-controller');
    expect(seen.at(-1)).toBe('ServiceAccount/actions-gateway-worker');
  }, 60_000);

  it('reconciles tenants side by side: a tenant whose API calls are slow holds up no other', async () => {
    // Every call in slow-a's namespace takes 1 s: its first reconcile needs ~30 of them. With one worker
    // (before) fast-b waited behind it for half a minute; it now has its inventory in seconds.
    const slow = env.server.faults.inject({ namespace: 'slow-a', latencyMs: 1_000 });
    try {
      await tenant(env, 'slow-a');
      await env.objects.create(sampleGateway('slow-a'));
      await waitUntil(() => get('v1', 'Namespace', '', 'slow-a')?.metadata?.labels?.['pod-security.kubernetes.io/enforce'] !== undefined || slow.hits > 0, 'slow-a\'s reconcile under way');
      await tenant(env, 'fast-b');
      await env.objects.create(sampleGateway('fast-b'));
      await waitUntil(() => inventory.every(([v, k, n]) => get(v, k, 'fast-b', n) !== undefined), 'fast-b\'s inventory', 15_000);
      expect(inventory.every(([v, k, n]) => get(v, k, 'slow-a', n) !== undefined), 'slow-a done first: nothing shown').toBe(false);
    } finally {
      slow.remove();
    }
    await waitUntil(() => inventory.every(([v, k, n]) => get(v, k, 'slow-a', n) !== undefined), 'slow-a\'s inventory once its calls are fast', 60_000);
  }, 90_000);

  it('serves metrics and health', async () => {
    const text = await (await fetch(`http://127.0.0.1:${gmc.ports.metrics}/metrics`)).text();
    expect(text).toMatch(/actions_gateway_managed_gateways \d/);
    expect(text).toContain('actions_gateway_build_info{version="0.1.0",component="gmc"} 1');
    expect(text).toContain('# TYPE actions_gateway_ip_range_updates_total counter');
    expect(text).toContain('workqueue_adds_total{name="actionsgateway"}');
    expect((await fetch(`http://127.0.0.1:${gmc.ports.health}/readyz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${gmc.ports.health}/healthz`)).status).toBe(200);
  });
});
