// The kubelet simulator and Deployment controller on a manual clock, and the opt-in local-process mode.
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import type { V1Pod } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiServer } from '../../src/index.js';
import { ManualClock, podRootEnv, startApiServer } from '../../src/index.js';
import { until } from './kubectl.js';

let server: ApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const podBody = (name: string, extra: Partial<V1Pod['spec']> = {}, labels: Record<string, string> = {}): V1Pod => ({
  metadata: { name, labels },
  spec: { containers: [{ name: 'main', image: 'busybox:1.36' }], restartPolicy: 'Never', ...extra },
});

async function phaseOf(core: CoreV1Api, name: string): Promise<V1Pod> {
  return core.readNamespacedPod({ name, namespace: 'default' });
}

describe('kubelet simulator', () => {
  it('schedules (PodScheduled), runs after the start delay and ends as scripted, on the manual clock', async () => {
    const clock = new ManualClock();
    server = await startApiServer({ clock, kubelet: { startDelayMs: 2000 } });
    const s = server;
    const core = s.kubeConfig.makeApiClient(CoreV1Api);
    s.kubelet!.script({ labels: { outcome: 'fail' } }, { phase: 'Failed', afterMs: 5000, exitCode: 3 });
    s.kubelet!.script({ name: 'ok' }, { phase: 'Succeeded', afterMs: 1000 });
    await core.createNamespacedPod({ namespace: 'default', body: podBody('ok') });
    await core.createNamespacedPod({ namespace: 'default', body: podBody('bad', {}, { outcome: 'fail' }) });
    await until(() => s.store.list('v1', 'Pod', 'default').every((p) => (p.spec as { nodeName?: string }).nodeName === 'testkit-node'), 'scheduling');
    let ok = await phaseOf(core, 'ok');
    expect(ok.status?.phase).toBe('Pending');
    expect(ok.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status).toBe('True');
    clock.advance(2000);
    ok = await phaseOf(core, 'ok');
    expect(ok.status?.phase).toBe('Running');
    expect(ok.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(ok.status?.containerStatuses?.[0]?.state?.running).toBeDefined();
    clock.advance(1000);
    ok = await phaseOf(core, 'ok');
    expect(ok.status?.phase).toBe('Succeeded');
    expect(ok.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect((await phaseOf(core, 'bad')).status?.phase).toBe('Running');
    clock.advance(4000);
    const bad = await phaseOf(core, 'bad');
    expect(bad.status?.phase).toBe('Failed');
    expect(bad.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
  });

  it('restarts a failing container under restartPolicy Always with CrashLoopBackOff back-off', async () => {
    const clock = new ManualClock();
    server = await startApiServer({ clock });
    const s = server;
    const core = s.kubeConfig.makeApiClient(CoreV1Api);
    s.kubelet!.script({ name: 'crash' }, { phase: 'Failed', afterMs: 1000, exitCode: 2 });
    await core.createNamespacedPod({ namespace: 'default', body: podBody('crash', { restartPolicy: 'Always' }) });
    await until(() => (s.store.get({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'crash' })?.status as { phase?: string }).phase === 'Running', 'running');
    clock.advance(1000);
    let p = await phaseOf(core, 'crash');
    expect(p.status?.phase).toBe('Running');
    expect(p.status?.containerStatuses?.[0]).toMatchObject({ restartCount: 1, ready: false, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 2 } } });
    clock.advance(10_000);
    p = await phaseOf(core, 'crash');
    expect(p.status?.containerStatuses?.[0]?.state?.running).toBeDefined();
    clock.advance(1000);
    expect((await phaseOf(core, 'crash')).status?.containerStatuses?.[0]?.restartCount).toBe(2);
  });

  it('fails a pod past activeDeadlineSeconds with DeadlineExceeded', async () => {
    const clock = new ManualClock();
    server = await startApiServer({ clock });
    const s = server;
    const core = s.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespacedPod({ namespace: 'default', body: podBody('dl', { activeDeadlineSeconds: 30 }) });
    await until(() => (s.store.get({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'dl' })?.status as { phase?: string }).phase === 'Running', 'running');
    clock.advance(29_000);
    expect((await phaseOf(core, 'dl')).status?.phase).toBe('Running');
    clock.advance(1000);
    const p = await phaseOf(core, 'dl');
    expect(p.status).toMatchObject({ phase: 'Failed', reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' });
  });

  it('graceful deletion keeps a pod Terminating for its grace period when it ignores SIGTERM', async () => {
    const clock = new ManualClock();
    server = await startApiServer({ clock });
    const s = server;
    const core = s.kubeConfig.makeApiClient(CoreV1Api);
    s.kubelet!.script({ name: 'slow' }, { phase: 'Running', ignoreSigterm: true });
    await core.createNamespacedPod({ namespace: 'default', body: podBody('slow', { terminationGracePeriodSeconds: 20 }) });
    await until(() => (s.store.get({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'slow' })?.status as { phase?: string }).phase === 'Running', 'running');
    const deleted = await core.deleteNamespacedPod({ name: 'slow', namespace: 'default' });
    expect(deleted.metadata?.deletionGracePeriodSeconds).toBe(20);
    expect(deleted.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    clock.advance(19_000);
    expect((await phaseOf(core, 'slow')).metadata?.deletionTimestamp).toBeDefined();
    clock.advance(1000);
    await until(() => s.store.get({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'slow' }) === undefined, 'pod removal');
  });

  it('eviction through pods/eviction fails the pod as Evicted (and honours a PodDisruptionBudget); preemption adds DisruptionTarget', async () => {
    server = await startApiServer();
    const s = server;
    const core = s.kubeConfig.makeApiClient(CoreV1Api);
    const watched: V1Pod[] = [];
    const stop = s.store.onChange((type, o) => type === 'MODIFIED' && watched.push(o));
    await core.createNamespacedPod({ namespace: 'default', body: podBody('ev', {}, { app: 'ev' }) });
    await until(() => (s.store.get({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'ev' })?.status as { phase?: string }).phase === 'Running', 'running');
    const { PolicyV1Api } = await import('@kubernetes/client-node');
    await s.kubeConfig.makeApiClient(PolicyV1Api).createNamespacedPodDisruptionBudget({ namespace: 'default', body: { metadata: { name: 'pdb' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'ev' } } } } });
    await expect(core.createNamespacedPodEviction({ name: 'ev', namespace: 'default', body: { metadata: { name: 'ev', namespace: 'default' } } })).rejects.toMatchObject({ code: 429 });
    await s.kubeConfig.makeApiClient(PolicyV1Api).deleteNamespacedPodDisruptionBudget({ name: 'pdb', namespace: 'default' });
    await core.createNamespacedPodEviction({ name: 'ev', namespace: 'default', body: { metadata: { name: 'ev', namespace: 'default' } } });
    const failed = watched.find((p) => p.metadata?.name === 'ev' && p.status?.phase === 'Failed');
    expect(failed?.status?.reason).toBe('Evicted');
    expect(failed?.status?.conditions?.find((c) => c.type === 'DisruptionTarget')).toMatchObject({ status: 'True', reason: 'EvictionByEvictionAPI' });
    await until(() => s.store.get({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'ev' }) === undefined, 'evicted pod removal');

    await core.createNamespacedPod({ namespace: 'default', body: podBody('victim') });
    await until(() => (s.store.get({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'victim' })?.status as { phase?: string }).phase === 'Running', 'running');
    await s.kubelet!.preempt('default', 'victim');
    const preempted = watched.find((p) => p.metadata?.name === 'victim' && p.status?.conditions?.some((c) => c.type === 'DisruptionTarget'));
    expect(preempted?.status?.conditions?.find((c) => c.type === 'DisruptionTarget')?.reason).toBe('PreemptionByScheduler');
    stop();
  });

  it('the Deployment controller creates pods from the template and reports readyReplicas; scale down removes pods', async () => {
    server = await startApiServer();
    const s = server;
    const apps = s.kubeConfig.makeApiClient(AppsV1Api);
    await apps.createNamespacedDeployment({
      namespace: 'default',
      body: { metadata: { name: 'web' }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } } } },
    });
    let ready = 0;
    await until(() => {
      const d = s.store.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'default', name: 'web' });
      ready = Number((d?.status as { readyReplicas?: number } | undefined)?.readyReplicas ?? 0);
      return ready === 3;
    }, 'readyReplicas 3');
    const pods = s.store.list('v1', 'Pod', 'default');
    expect(pods).toHaveLength(3);
    expect(pods.every((p) => (p.metadata as { labels: Record<string, string> }).labels.app === 'web')).toBe(true);
    await apps.patchNamespacedDeploymentScale({ name: 'web', namespace: 'default', body: [{ op: 'replace', path: '/spec/replicas', value: 1 }] });
    await until(() => s.store.list('v1', 'Pod', 'default').length === 1, 'scale down');
    // Deleting the Deployment cascades (Background) to its ReplicaSet and pods.
    await apps.deleteNamespacedDeployment({ name: 'web', namespace: 'default' });
    await until(() => s.store.list('apps/v1', 'ReplicaSet', 'default').length === 0 && s.store.list('v1', 'Pod', 'default').length === 0, 'cascade');
  });
});

describe('garbage collection', () => {
  it('Orphan keeps dependents without the ownerReference; Foreground deletes dependents before the owner', async () => {
    server = await startApiServer({ kubelet: false, controllers: false });
    const s = server;
    const core = s.kubeConfig.makeApiClient(CoreV1Api);
    const owner = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'owner' } } });
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid!, blockOwnerDeletion: true };
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'dep', ownerReferences: [ref] } } });
    await core.deleteNamespacedConfigMap({ name: 'owner', namespace: 'default', propagationPolicy: 'Orphan' });
    await until(() => !s.store.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'owner' }), 'owner gone');
    const dep = await core.readNamespacedConfigMap({ name: 'dep', namespace: 'default' });
    expect(dep.metadata?.ownerReferences).toBeUndefined();

    const owner2 = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'owner2' } } });
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'dep2', finalizers: ['x/hold'], ownerReferences: [{ ...ref, name: 'owner2', uid: owner2.metadata!.uid! }] } } });
    await core.deleteNamespacedConfigMap({ name: 'owner2', namespace: 'default', propagationPolicy: 'Foreground' });
    await until(() => !!(s.store.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'dep2' })?.metadata as { deletionTimestamp?: string }).deletionTimestamp, 'dependent deleting');
    const waiting = await core.readNamespacedConfigMap({ name: 'owner2', namespace: 'default' });
    expect(waiting.metadata?.finalizers).toEqual(['foregroundDeletion']);
    await core.patchNamespacedConfigMap({ name: 'dep2', namespace: 'default', body: [{ op: 'remove', path: '/metadata/finalizers' }] });
    await until(() => !s.store.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'owner2' }), 'owner2 gone after its dependent');
  });
});

describe('local-process mode', () => {
  it('runs the first container as a process with env and volumes, takes the phase from the exit code, and SIGTERMs on delete', async () => {
    server = await startApiServer({ kubelet: { localProcess: (p) => (p.metadata as { labels?: Record<string, string> }).labels?.local === 'yes' } });
    const s = server;
    const core = s.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'creds' }, stringData: { token: 's3cret' } } });
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'conf' }, data: { 'settings.json': '{"a":1}' } } });
    const script = [
      'const fs = require("fs"); const path = require("path");',
      `const root = process.env.${podRootEnv};`,
      'const conf = fs.readFileSync(path.join(root, "etc/conf/settings.json"), "utf8");',
      'const tok = fs.readFileSync(path.join(root, "var/run/creds/token"), "utf8");',
      'if (process.env.TOKEN !== tok || process.env.POD_NAME !== "job" || process.env.SETTING !== conf) process.exit(7);',
      'process.exit(Number(process.env.EXIT_CODE));',
    ].join('\n');
    const spec = (exit: string) => ({
      volumes: [{ name: 'creds', secret: { secretName: 'creds' } }, { name: 'conf', configMap: { name: 'conf' } }],
      containers: [{
        name: 'main', image: 'worker:1', command: [process.execPath, '-e', script],
        env: [
          { name: 'EXIT_CODE', value: exit },
          { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } },
          { name: 'SETTING', valueFrom: { configMapKeyRef: { name: 'conf', key: 'settings.json' } } },
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        ],
        volumeMounts: [{ name: 'creds', mountPath: '/var/run/creds' }, { name: 'conf', mountPath: '/etc/conf' }],
      }],
      restartPolicy: 'Never',
    });
    const phase = (name: string): string | undefined => (s.store.get({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name })?.status as { phase?: string } | undefined)?.phase;
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'job', labels: { local: 'yes' } }, spec: spec('0') } });
    await until(() => phase('job') === 'Succeeded', 'local process success');
    expect(s.kubelet!.logs('default', 'job')).toBe('');
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'job2', labels: { local: 'yes' } }, spec: { ...spec('4'), containers: [{ ...spec('4').containers[0]!, env: [{ name: 'EXIT_CODE', value: '4' }] }] } } });
    await until(() => phase('job2') === 'Failed', 'local process failure');

    await core.createNamespacedPod({
      namespace: 'default',
      body: { metadata: { name: 'sleeper', labels: { local: 'yes' } }, spec: { terminationGracePeriodSeconds: 30, containers: [{ name: 'main', image: 'x', command: [process.execPath, '-e', 'process.on("SIGTERM", () => process.exit(0)); console.log("up"); setInterval(() => {}, 1000);'] }] } },
    });
    await until(() => phase('sleeper') === 'Running', 'sleeper running');
    // pods/log serves the process output, as kubectl logs reads it.
    await until(() => s.kubelet!.logs('default', 'sleeper') === 'up\n', 'process output');
    expect(await core.readNamespacedPodLog({ name: 'sleeper', namespace: 'default' })).toBe('up\n');
    await core.deleteNamespacedPod({ name: 'sleeper', namespace: 'default' });
    await until(() => phase('sleeper') === undefined, 'sleeper gone after SIGTERM');
  });
});
