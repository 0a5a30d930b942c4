import { context, ROOT_CONTEXT, trace, type Context, type ContextManager } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { buildJobSecret, KubernetesApiError, linkedSignalCount, provision, startRenewLoop, workerPodName, jobSecretName, type ProvisionJob } from '../../src/index.js';
import { jobPayload, testGroup } from './support/fixtures.js';
import { harness } from './support/harness.js';

const planId = '6f1c2a8e-0b1d-4f0e-9a39-2c4d5e6f7a8b';
const podName = workerPodName('linux', planId);

/** The active context for the synchronous extent of `with` (enough to see what a span started first thing picks up). */
class SyncContextManager implements ContextManager {
  private current: Context = ROOT_CONTEXT;
  active(): Context {
    return this.current;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    const previous = this.current;
    this.current = ctx;
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.current = previous;
    }
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.current = ROOT_CONTEXT;
    return this;
  }
}

function job(h: ReturnType<typeof harness>, payload = jobPayload(4242)): ProvisionJob {
  return { planId, payload, jitConfig: 'jit-config', acquiredAt: h.clock.now() };
}

describe('provision: the job-to-pod path', () => {
  it('stages the Secret, creates the pod, waits, records latency and duration, cleans up', async () => {
    const h = harness();
    h.kubelet(3_000, 60_000);
    let secretSeenByPod = false;
    const created = h.kube.onPodCreated;
    h.kube.onPodCreated = (pod) => {
      secretSeenByPod = h.kube.secrets.has(`tenant/${jobSecretName(planId)}`);
      created?.(pod);
    };
    const result = await h.clock.runUntil(provision(job(h), h.ports, testGroup()));

    expect(result).toMatchObject({ kind: 'finished', podName, outcome: { kind: 'succeeded' }, phase: 'Succeeded' });
    expect(secretSeenByPod).toBe(true);
    expect(h.kube.secrets.size).toBe(0);
    expect(h.kube.pod(podName)?.status?.phase).toBe('Succeeded');
    expect(h.metrics.of('pod_creation_latency_seconds')).toEqual([{ metric: 'pod_creation_latency_seconds', labels: { namespace: 'tenant' }, value: 3 }]);
    expect(h.metrics.of('job_duration_seconds')).toEqual([{ metric: 'job_duration_seconds', labels: { namespace: 'tenant', runner_group: 'linux' }, value: 63 }]);
  });

  it('emits Provisioner.provision with its four children and the seed\'s attributes', async () => {
    const h = harness();
    h.kubelet(1_000, 9_000, (n) => h.kube.setPhase(n, 'Failed', 'Error'));
    await h.clock.runUntil(provision(job(h), h.ports, testGroup({ priorityTiers: [{ priorityClassName: 'ci-high', threshold: 5 }] })));
    const spans = h.spans.getFinishedSpans();
    const root = spans.find((s) => s.name === 'Provisioner.provision');
    expect(root).toBeDefined();
    const children = spans.filter((s) => s !== root);
    expect(children.map((s) => s.name)).toEqual(['stageJobSecret', 'countActivePods', 'createPod', 'waitForCompletion']);
    for (const c of children) {
      expect(c.spanContext().traceId).toBe(root!.spanContext().traceId);
      expect(c.parentSpanContext?.spanId).toBe(root!.spanContext().spanId);
    }
    expect(root!.attributes).toEqual({
      'runnergroup.namespace': 'tenant',
      'runnergroup.name': 'linux',
      'plan.id': planId,
      'pod.name': podName,
      active_pods: 0,
      'ceiling.held': false,
      priority_class: 'ci-high',
      'pod.phase': 'Failed',
      'pod.reason': 'Error',
      duration_seconds: 10,
    });
  });

  it('starts Provisioner.provision as its own root trace even when called inside another active span', async () => {
    const h = harness();
    h.kubelet(1_000, 1_000);
    const reconcile = h.tracer.startSpan('RunnerGroup.Reconcile');
    context.setGlobalContextManager(new SyncContextManager());
    try {
      const running = context.with(trace.setSpan(ROOT_CONTEXT, reconcile), () => provision(job(h), h.ports, testGroup()));
      await h.clock.runUntil(running);
    } finally {
      context.disable();
    }
    const root = h.spans.getFinishedSpans().find((s) => s.name === 'Provisioner.provision');
    expect(root?.parentSpanContext).toBeUndefined();
    expect(root?.spanContext().traceId).not.toBe(reconcile.spanContext().traceId);
  });

  it('re-runs a preempted job whose canceled was learned after the preemption began (the killed runner\'s own report)', async () => {
    const h = harness();
    h.github.addRun('4242', 0, 'cancelled');
    let learnedAt: Date | undefined;
    // The scheduler marks the pod, the runner reports canceled (learned now), then the pod is deleted.
    h.kubelet(1_000, 10_000, async (name) => {
      h.kube.pods.get(`tenant/${name}`)!.status!.conditions = [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', lastTransitionTime: new Date(h.clock.now().getTime() - 1_000).toISOString() }];
      learnedAt = h.clock.now();
      await h.kube.deletePod('tenant', name);
    });
    const result = await h.clock.runUntil(provision(job(h), h.ports, testGroup({ evictionRetryDelayMs: 0 }), { jobCancelled: () => learnedAt !== undefined, jobCancelledAt: () => learnedAt }));
    expect(result).toMatchObject({ kind: 'finished', outcome: { kind: 'disrupted', cause: 'preempted' }, rerun: { kind: 'accepted' } });
    expect(h.github.acceptedReruns('4242')).toBe(1);
  });

  it('never re-runs a preempted job a user cancelled before the preemption began', async () => {
    const h = harness();
    h.github.addRun('4242', 0, 'cancelled');
    const learnedAt = h.clock.now();
    h.kubelet(1_000, 10_000, async (name) => {
      h.kube.pods.get(`tenant/${name}`)!.status!.conditions = [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler', lastTransitionTime: h.clock.now().toISOString() }];
      await h.kube.deletePod('tenant', name);
    });
    const result = await h.clock.runUntil(provision(job(h), h.ports, testGroup({ evictionRetryDelayMs: 0 }), { jobCancelled: () => true, jobCancelledAt: () => learnedAt }));
    expect(result).toMatchObject({ kind: 'finished', outcome: { kind: 'cancelled' } });
    expect(h.github.acceptedReruns('4242')).toBe(0);
  });

  it('deletes the pod at once when completedPodTTL is 0, stamping the reason first', async () => {
    const h = harness();
    h.kubelet(1_000, 5_000);
    await h.clock.runUntil(provision(job(h), h.ports, testGroup({ completedPodTtlMs: 0 })));
    expect(h.kube.pod(podName)).toBeUndefined();
    expect(h.kube.deletedPods).toEqual([podName]);
    expect(h.metrics.count('worker_pods_reaped_total', { reason: 'completed_ttl' })).toBe(1);
  });

  it('retries a quota refusal every quotaRetryDelay on the clock until room appears', async () => {
    const h = harness();
    h.kube.quotas = [{ metadata: { name: 'pods' }, spec: { hard: { pods: '1' } } }];
    await h.kube.createPod('tenant', { metadata: { name: 'other' }, spec: { containers: [] } });
    void h.clock.sleep(65_000).then(() => h.kube.setPhase('other', 'Succeeded'));
    h.kubelet(1_000, 1_000);
    const started = h.clock.now().getTime();
    const result = await h.clock.runUntil(provision(job(h), h.ports, testGroup()));
    expect(result.kind).toBe('finished');
    const retries = h.logger.lines.filter((l) => l.msg.includes('refused by ResourceQuota'));
    expect(retries).toHaveLength(3); // refused at 0 s, 30 s, 60 s; created at 90 s
    expect(h.metrics.of('pod_creation_latency_seconds')[0]?.value).toBe(91);
    expect(h.clock.now().getTime() - started).toBe(92_000);
  });

  it('gives up after maxQuotaRetries, removes the Secret, creates nothing', async () => {
    const h = harness();
    h.kube.quotas = [{ metadata: { name: 'pods' }, spec: { hard: { pods: '0' } } }];
    const result = await h.clock.runUntil(provision(job(h), h.ports, testGroup({ maxQuotaRetries: 2 })));
    expect(result).toMatchObject({ kind: 'create_failed', quotaExhausted: true });
    expect(h.logger.lines.filter((l) => l.msg.includes('refused by ResourceQuota'))).toHaveLength(2);
    expect(h.kube.secrets.size).toBe(0);
    expect(h.kube.pods.size).toBe(0);
  });

  it('does not retry a refusal that is not about quota', async () => {
    const h = harness();
    let attempts = 0;
    h.kube.refuseCreate = () => {
      attempts += 1;
      return new KubernetesApiError(422, 'Pod "x" is invalid: spec.containers[0].image: Required value', 'Invalid');
    };
    const result = await h.clock.runUntil(provision(job(h), h.ports, testGroup()));
    expect(result).toMatchObject({ kind: 'create_failed', quotaExhausted: false });
    expect(attempts).toBe(1);
    expect(h.kube.secrets.size).toBe(0);
    expect(h.spans.getFinishedSpans().find((s) => s.name === 'Provisioner.provision')?.status.code).toBe(2);
    // The failing step's own span carries the error, with the exception event.
    const createPod = h.spans.getFinishedSpans().find((s) => s.name === 'createPod');
    expect(createPod?.status).toEqual({ code: 2, message: 'Pod "x" is invalid: spec.containers[0].image: Required value' });
    expect(createPod?.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('marks stageJobSecret failed when the job Secret cannot be created, and stops there', async () => {
    const h = harness();
    await h.kube.createSecret('tenant', { metadata: { name: jobSecretName(planId) } }); // a second delivery of the same plan
    const result = await h.clock.runUntil(provision(job(h), h.ports, testGroup()));
    expect(result.kind).toBe('duplicate');
    const spans = h.spans.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['stageJobSecret', 'Provisioner.provision']);
    expect(spans[0]?.status).toEqual({ code: 2, message: `secrets "${jobSecretName(planId)}" already exists` });
    expect(spans[0]?.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('a malformed payload is a typed outcome: nothing staged, nothing created, logged with the plan id', async () => {
    const h = harness();
    const result = await h.clock.runUntil(provision(job(h, '{not json'), h.ports, testGroup()));
    expect(result).toMatchObject({ kind: 'invalid_payload' });
    expect(h.kube.secrets.size + h.kube.pods.size).toBe(0);
    expect(h.logger.lines.find((l) => l.level === 'error')?.fields['plan_id']).toBe(planId);
  });

  it('a payload without a run id still runs the job, and says it cannot be re-run', async () => {
    const h = harness();
    h.kubelet(1_000, 1_000);
    const result = await h.clock.runUntil(provision(job(h, jobPayload(undefined)), h.ports, testGroup()));
    expect(result).toMatchObject({ kind: 'finished', run: { ok: false, problem: 'missing_run_id' } });
    expect(h.logger.lines.some((l) => l.level === 'warn' && l.fields['problem'] === 'missing_run_id')).toBe(true);
  });

  it('holds at the ceiling when a race filled the group after admission', async () => {
    const h = harness();
    await h.kube.createPod('tenant', { metadata: { name: 'busy', labels: { 'actions-gateway/runner-group': 'linux', 'actions-gateway/component': 'workload' } }, spec: { containers: [] } });
    const result = await h.clock.runUntil(provision(job(h), h.ports, testGroup({ maxWorkers: 1 })));
    expect(result).toMatchObject({ kind: 'held', reason: 'ceiling' });
    expect(h.kube.secrets.size).toBe(0);
    expect(h.kube.pods.size).toBe(1);
    expect(h.spans.getFinishedSpans().find((s) => s.name === 'Provisioner.provision')?.attributes['ceiling.held']).toBe(true);
  });

  it('one plan never becomes two pods: a second delivery is a duplicate', async () => {
    const h = harness();
    h.kubelet(1_000, 10_000);
    const first = provision(job(h), h.ports, testGroup());
    const second = await h.clock.runUntil(provision(job(h), h.ports, testGroup()));
    expect(second.kind).toBe('duplicate');
    expect(await h.clock.runUntil(first)).toMatchObject({ kind: 'finished' });
    expect(h.kube.pods.size).toBe(1);
  });

  it('creates no pod for a job its renew loop already gave up', async () => {
    const h = harness();
    h.kube.quotas = [{ metadata: { name: 'pods' }, spec: { hard: { pods: '0' } } }];
    h.broker.renewAnswers = [{ kind: 'renewed' }, { kind: 'gone', statusCode: 404 }];
    const renewal = startRenewLoop({ lease: { planId, jobId: '77', runServiceUrl: 'https://run', jobToken: 't' }, broker: h.broker, kubernetes: h.kube, clock: h.clock, metrics: h.metrics, logger: h.logger, pod: { namespace: 'tenant', name: podName, runnerGroup: 'linux' } });
    const result = await h.clock.runUntil(provision(job(h), h.ports, testGroup(), { renewal }));
    expect(result.kind).toBe('abandoned');
    expect(h.kube.pods.size).toBe(0);
    expect(h.kube.secrets.size).toBe(0);
    expect(h.broker.cancelled).toEqual(['77']);
  });
});

describe('provision: a job an earlier AGC claimed (adopt)', () => {
  const busyPod = { metadata: { name: 'busy', labels: { 'actions-gateway/runner-group': 'linux', 'actions-gateway/component': 'workload' } }, spec: { containers: [] } };

  it('follows the pod the earlier AGC created to its end, without staging or creating again or observing its latency twice', async () => {
    const h = harness();
    h.kubelet(1_000, 5_000);
    await h.kube.createSecret('tenant', buildJobSecret(testGroup(), { planId, payload: jobPayload(4242) }));
    await h.kube.createPod('tenant', { metadata: { name: podName, labels: { 'actions-gateway/runner-group': 'linux', 'actions-gateway/component': 'workload' } }, spec: { containers: [] } });
    const result = await h.clock.runUntil(provision(job(h), h.ports, testGroup({ maxWorkers: 1 }), { adopt: true }));
    expect(result).toMatchObject({ kind: 'finished', outcome: { kind: 'succeeded' } });
    expect(h.kube.secrets.size).toBe(0); // cleaned up once the pod ended
    expect(h.metrics.of('pod_creation_latency_seconds')).toEqual([]);
    expect(h.spans.getFinishedSpans().map((s) => s.name)).not.toContain('stageJobSecret');
  });

  it('creates the missing pod of a staged job even at the ceiling (the claiming AGC admitted it)', async () => {
    const h = harness();
    h.kubelet(1_000, 5_000);
    await h.kube.createPod('tenant', busyPod);
    await h.kube.createSecret('tenant', buildJobSecret(testGroup(), { planId, payload: jobPayload(4242) }));
    const result = await h.clock.runUntil(provision(job(h), h.ports, testGroup({ maxWorkers: 1 }), { adopt: true }));
    expect(result).toMatchObject({ kind: 'finished', outcome: { kind: 'succeeded' } });
    expect(h.kube.pod(podName)).toBeDefined();
  });

  it('keeps the job Secret when a shutdown cuts the pod create short, so the next AGC can adopt the job', async () => {
    const h = harness();
    h.kube.quotas = [{ metadata: { name: 'pods' }, spec: { hard: { pods: '0' } } }];
    const stop = new AbortController();
    void h.clock.sleep(10_000).then(() => stop.abort());
    const result = await h.clock.runUntil(provision(job(h), h.ports, testGroup(), { signal: stop.signal }));
    expect(result.kind).toBe('aborted');
    expect([...h.kube.secrets.keys()]).toEqual([`tenant/${jobSecretName(planId)}`]);
    expect(h.kube.pods.size).toBe(0);
  });
});

describe('provision: the API misbehaving', () => {
  it('watches again after a broken watch, without losing the latency or the pod', async () => {
    const h = harness();
    h.kubelet(2_000, 10_000);
    h.kube.failWatches = 2;
    const result = await h.clock.runUntil(provision(job(h), h.ports, testGroup()));
    expect(result).toMatchObject({ kind: 'finished', outcome: { kind: 'succeeded' } });
    expect(h.logger.lines.filter((l) => l.msg.includes('watching again'))).toHaveLength(2);
    expect(h.metrics.of('pod_creation_latency_seconds')).toHaveLength(1);
    expect(h.metrics.of('pod_creation_latency_seconds')[0]?.value).toBeGreaterThanOrEqual(2);
  });

  it('a failed pod count is a typed error: the Secret is removed, no pod is created', async () => {
    const h = harness();
    h.kube.failLists = 1;
    const result = await h.clock.runUntil(provision(job(h), h.ports, testGroup()));
    expect(result).toMatchObject({ kind: 'error', error: { message: 'etcdserver: request timed out' } });
    expect(h.kube.secrets.size + h.kube.pods.size).toBe(0);
  });

  it('a template without containers (as JSON may carry it) gets the runner', async () => {
    const h = harness();
    h.kubelet(1_000, 1_000);
    const podTemplate = JSON.parse('{"spec":{"nodeSelector":{"pool":"ci"}}}') as ReturnType<typeof testGroup>['podTemplate'];
    await h.clock.runUntil(provision(job(h), h.ports, testGroup({ podTemplate })));
    const spec = h.kube.pod(podName)?.spec;
    expect(spec?.containers.map((c) => c.name)).toEqual(['runner']);
    expect(spec?.['nodeSelector']).toEqual({ pool: 'ci' });
  });
});

/** Entries Node's own AbortSignal.any left on `signal` (its internal set of dependants, on Node 20 only growing while the signal lives); 0 when none. */
function nodeDependants(signal: AbortSignal): number {
  const key = Object.getOwnPropertySymbols(signal).find((s) => s.description === 'kDependantSignals');
  return key ? ((signal as unknown as Record<symbol, Set<unknown> | undefined>)[key]?.size ?? 0) : 0;
}

describe('provision: nothing left on the caller signal', () => {
  it('unlinks its pod-creation signal from a long-lived caller signal and renewal (AbortSignal.any kept one entry per job)', async () => {
    const tier = new AbortController();
    for (let i = 0; i < 3; i++) {
      const h = harness();
      h.kubelet(1_000, 1_000);
      const result = await h.clock.runUntil(provision(job(h), h.ports, testGroup(), { signal: tier.signal }));
      expect(result).toMatchObject({ kind: 'finished' });
    }
    expect(linkedSignalCount(tier.signal)).toBe(0);
    expect(nodeDependants(tier.signal)).toBe(0);
  });
});
