import { describe, expect, it } from 'vitest';
import { buildJobSecret, buildWorkerPod, jobSecretName, workerPodName, type Container, type Pod, type SecurityProfile } from '../../src/index.js';
import { jobPayload, testGroup } from '../provisioner/support/fixtures.js';

const profiles: SecurityProfile[] = ['privileged', 'baseline', 'restricted'];
const job = { planId: '6f1c2a8e-0b1d-4f0e-9a39-2c4d5e6f7a8b', runId: '9876543210', repository: 'octo/widgets' };

function runner(pod: Pod): Container {
  const c = pod.spec?.containers.find((x) => x.name === 'runner');
  if (!c) throw new Error('no runner container');
  return c;
}

const tenantTemplate = {
  metadata: { labels: { team: 'payments', 'app.kubernetes.io/managed-by': 'tenant' }, annotations: { 'cost-center': '42' } },
  spec: {
    hostNetwork: true,
    hostPID: true,
    automountServiceAccountToken: true,
    restartPolicy: 'Always',
    containers: [
      { name: 'sidecar', image: 'busybox' },
      {
        name: 'runner',
        env: [
          { name: 'HTTPS_PROXY', value: 'http://evil:3128' },
          { name: 'FOO', value: 'bar' },
        ],
      },
    ],
    initContainers: [{ name: 'setup', image: 'busybox' }],
  },
};

describe('buildWorkerPod invariants, per profile', () => {
  for (const profile of profiles) {
    describe(profile, () => {
      const group = testGroup({ securityProfile: profile, podTemplate: tenantTemplate });
      const pod = buildWorkerPod(group, job, 'ci-high');
      const spec = pod.spec!;

      it('never puts a secret in the environment: every env value is a path, a proxy URL or the tenant\'s own', () => {
        const secret = buildJobSecret(group, { planId: job.planId, payload: jobPayload(job.runId), jitConfig: 'eyJqaXQiOiJjb25maWcifQ==' });
        const secretValues = Object.values(secret.data ?? {}).flatMap((b64) => [b64, Buffer.from(b64, 'base64').toString('utf8')]);
        for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
          for (const e of c.env ?? []) {
            expect(e.valueFrom, `${c.name}.${e.name}`).toBeUndefined();
            for (const s of secretValues) expect(e.value ?? '', `${c.name}.${e.name}`).not.toContain(s);
            expect(e.value ?? '').not.toMatch(/ghs_|jitconfig|BEGIN/);
          }
          expect(c.envFrom).toBeUndefined();
        }
        const env = Object.fromEntries((runner(pod).env ?? []).map((e) => [e.name, e.value]));
        expect(env).toEqual({
          FOO: 'bar',
          HTTP_PROXY: group.proxy.httpProxy,
          HTTPS_PROXY: group.proxy.httpsProxy,
          NO_PROXY: group.proxy.noProxy,
          PROXY_CA_CERT_PATH: '/etc/actions-gateway/proxy-ca/tls.crt',
          PAYLOAD_SECRET_PATH: '/run/secrets/job-payload',
        });
      });

      it('mounts the job Secret and the proxy CA (tls.crt only) read-only as files', () => {
        const volumes = Object.fromEntries((spec.volumes ?? []).map((v) => [v.name, v]));
        expect(volumes['job-payload']).toEqual({ name: 'job-payload', secret: { secretName: jobSecretName(job.planId) } });
        expect(volumes['proxy-ca']).toEqual({ name: 'proxy-ca', secret: { secretName: 'actions-gateway-proxy-tls', items: [{ key: 'tls.crt', path: 'tls.crt', mode: 0o444 }] } });
        expect(runner(pod).volumeMounts).toEqual([
          { name: 'job-payload', mountPath: '/run/secrets/job-payload', readOnly: true },
          { name: 'proxy-ca', mountPath: '/etc/actions-gateway/proxy-ca', readOnly: true },
        ]);
        expect(spec.containers.find((c) => c.name === 'sidecar')?.volumeMounts).toBeUndefined();
      });

      it('forces the floor: no token, no host namespaces, never restarts, bounded life, the tier class', () => {
        expect(spec.automountServiceAccountToken).toBe(false);
        expect(spec.hostPID).toBe(false);
        expect(spec.hostNetwork).toBe(false);
        expect(spec.hostIPC).toBe(false);
        expect(spec.restartPolicy).toBe('Never');
        expect(spec.activeDeadlineSeconds).toBe(43_200);
        expect(spec.priorityClassName).toBe('ci-high');
        expect(spec.serviceAccountName).toBe('actions-gateway-worker');
      });

      it('fills the runner image and default resources on containers that set none (init containers alone)', () => {
        expect(runner(pod).image).toBe(group.workerImage);
        for (const c of spec.containers) expect(c.resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '500m', memory: '1Gi' } });
        expect(spec.initContainers?.[0]?.resources).toBeUndefined();
      });

      it('keeps template metadata, records plan and run, and owns the pod by the RunnerGroup', () => {
        const meta = pod.metadata!;
        expect(meta.name).toBe(workerPodName('linux', job.planId));
        expect(meta.name!.length).toBeLessThanOrEqual(63);
        expect(meta.labels).toMatchObject({
          team: 'payments',
          'app.kubernetes.io/managed-by': 'actions-gateway-controller',
          'actions-gateway/runner-group': 'linux',
          'actions-gateway/plan-id': job.planId,
          'actions-gateway/run-id': job.runId,
          'actions-gateway/component': 'workload',
          'app.kubernetes.io/name': 'actions-runner',
          'app.kubernetes.io/instance': 'linux',
          'app.kubernetes.io/component': 'runner',
          'app.kubernetes.io/part-of': 'actions-gateway',
        });
        expect(meta.annotations).toEqual({ 'cost-center': '42', 'actions-gateway/plan-id': job.planId, 'actions-gateway/run-id': job.runId, 'actions-gateway/repository': 'octo/widgets' });
        expect(meta.ownerReferences).toEqual([{ apiVersion: 'actions-gateway.github.com/v1alpha1', kind: 'RunnerGroup', name: 'linux', uid: 'rg-uid-1', controller: true }]);
      });
    });
  }

  it('security defaults fill gaps only, by profile', () => {
    const privileged = buildWorkerPod(testGroup({ securityProfile: 'privileged' }), job).spec!;
    expect(privileged.securityContext).toBeUndefined();
    expect(privileged.containers[0]?.securityContext).toBeUndefined();

    const baseline = buildWorkerPod(testGroup({ securityProfile: 'baseline' }), job).spec!;
    expect(baseline.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1001, seccompProfile: { type: 'RuntimeDefault' } });
    expect(baseline.containers[0]?.securityContext).toBeUndefined();

    const restricted = buildWorkerPod(testGroup({ securityProfile: 'restricted', podTemplate: tenantTemplate }), job).spec!;
    for (const c of [...restricted.containers, ...(restricted.initContainers ?? [])]) {
      expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    }

    const explicit = buildWorkerPod(
      testGroup({
        securityProfile: 'restricted',
        podTemplate: {
          spec: {
            securityContext: { runAsNonRoot: false, seccompProfile: { type: 'Localhost', localhostProfile: 'x.json' } },
            containers: [{ name: 'runner', image: 'mine:1', securityContext: { capabilities: { add: ['NET_RAW'] } }, resources: { limits: { cpu: '2' } } }],
          },
        },
      }),
      job,
    ).spec!;
    expect(explicit.securityContext).toEqual({ runAsNonRoot: false, seccompProfile: { type: 'Localhost', localhostProfile: 'x.json' } });
    expect(explicit.containers[0]).toMatchObject({ image: 'mine:1', resources: { limits: { cpu: '2' } }, securityContext: { capabilities: { add: ['NET_RAW'] } } });
  });

  it('prepends a runner container when the template has none, and never mutates the template', () => {
    const group = testGroup({ podTemplate: { spec: { containers: [{ name: 'helper', image: 'busybox' }] } } });
    const before = structuredClone(group.podTemplate);
    const spec = buildWorkerPod(group, job).spec!;
    expect(spec.containers.map((c) => c.name)).toEqual(['runner', 'helper']);
    expect(spec.containers[0]?.image).toBe(group.workerImage);
    expect(group.podTemplate).toEqual(before);
  });

  it('without a proxy CA Secret: no CA volume, PROXY_CA_CERT_PATH empty', () => {
    const pod = buildWorkerPod(testGroup({ proxy: { httpsProxy: 'http://p:8080' } }), job);
    expect(pod.spec?.volumes?.map((v) => v.name)).toEqual(['job-payload']);
    expect(runner(pod).env?.find((e) => e.name === 'PROXY_CA_CERT_PATH')?.value).toBe('');
  });

  it('a shorter tenant activeDeadlineSeconds is kept; a longer one is cut to maxWorkerLifetime', () => {
    const short = testGroup({ podTemplate: { spec: { activeDeadlineSeconds: 600, containers: [] } } });
    expect(buildWorkerPod(short, job).spec?.activeDeadlineSeconds).toBe(600);
    const long = testGroup({ maxWorkerLifetimeMs: 3_600_000, podTemplate: { spec: { activeDeadlineSeconds: 86_400, containers: [] } } });
    expect(buildWorkerPod(long, job).spec?.activeDeadlineSeconds).toBe(3600);
  });

  it('names stay within 63 characters and distinct for long group names and odd plan ids', () => {
    const names = new Set<string>();
    const longGroup = 'a-very-long-runner-group-name-that-fills-most-of-a-dns-label-xx';
    for (const plan of ['P/1', 'p-1', 'P_1', '6F1C2A8E-0B1D-4F0E-9A39-2C4D5E6F7A8B', '6f1c2a8e-0b1d-4f0e-9a39-2c4d5e6f7a8c']) {
      const name = workerPodName(longGroup, plan);
      expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(name.length).toBeLessThanOrEqual(63);
      names.add(name);
      const pod = buildWorkerPod(testGroup({ name: longGroup }), { planId: plan });
      for (const v of Object.values(pod.metadata?.labels ?? {})) expect(v.length).toBeLessThanOrEqual(63);
    }
    expect(names.size).toBe(5);
  });

  it('a run id that is not a number is not put in a label', () => {
    const pod = buildWorkerPod(testGroup(), { planId: 'p', runId: 'x y' });
    expect(pod.metadata?.labels?.['actions-gateway/run-id']).toBeUndefined();
  });
});

describe('buildJobSecret', () => {
  it('holds payload, plan-id and jitconfig as data, owned by the RunnerGroup', () => {
    const secret = buildJobSecret(testGroup(), { planId: 'plan-1', payload: '{"a":1}', jitConfig: 'jit' });
    const decoded = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    expect(decoded).toEqual({ payload: '{"a":1}', 'plan-id': 'plan-1', jitconfig: 'jit' });
    expect(secret.metadata).toMatchObject({
      name: jobSecretName('plan-1'),
      namespace: 'tenant',
      labels: { 'app.kubernetes.io/managed-by': 'actions-gateway-controller', 'actions-gateway/runner-group': 'linux', 'actions-gateway/plan-id': 'plan-1' },
      ownerReferences: [{ kind: 'RunnerGroup', name: 'linux', uid: 'rg-uid-1', controller: true }],
    });
    expect(secret.type).toBe('Opaque');
  });

  it('has no jitconfig key without a JIT config (scale-set jobs)', () => {
    expect(Object.keys(buildJobSecret(testGroup(), { planId: 'p', payload: '{}' }).data ?? {})).toEqual(['payload', 'plan-id']);
  });
});
