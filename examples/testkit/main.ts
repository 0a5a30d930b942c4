// @actions-gateway/testkit as a test harness: a Kubernetes API server (real REST on 127.0.0.1, kubelet
// simulator) and a fake GitHub, both on one ManualClock, so a test steps time instead of sleeping.
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { ManualClock, startApiServer, startFakeGitHub } from '@actions-gateway/testkit';

const clock = new ManualClock();
const kube = await startApiServer({ clock, kubelet: { startDelayMs: 1_000 } });
const github = await startFakeGitHub({ clock, profile: 'fast' });

/** Re-reads until `done` holds; the API server applies a clock step asynchronously. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`timed out waiting for ${what}`);
}

try {
  // Any Kubernetes client works unmodified; here client-node with the server's own kubeconfig.
  const core = kube.kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: 'ci' } } });
  kube.kubelet!.script({ labels: { app: 'job' } }, { phase: 'Succeeded', afterMs: 5_000 });
  const pod: V1Pod = {
    metadata: { name: 'job-1', labels: { app: 'job' } },
    spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] },
  };
  await core.createNamespacedPod({ namespace: 'ci', body: pod });

  const read = (): Promise<V1Pod> => core.readNamespacedPod({ namespace: 'ci', name: 'job-1' });
  clock.advance(1_000); // started: Running
  await eventually(read, (p) => p.status?.phase === 'Running', 'Running');
  console.log('pod ci/job-1 is Running');
  clock.advance(5_000); // the script's end: Succeeded
  const done = await eventually(read, (p) => p.status?.phase === 'Succeeded', 'Succeeded');
  console.log(`pod ci/job-1 is ${done.status?.phase}`);

  // The fake GitHub: an App, a queued job, and its state through the control API.
  github.control.createApp({ org: 'acme' });
  const job = github.control.enqueueJob({ org: 'acme', labels: ['self-hosted', 'linux'] });
  console.log(`GitHub job ${job.requestId} is ${github.control.job(job.requestId)?.state}`);

  // Faults are injected per verb and resource; this one refuses the next pod create with 429.
  kube.faults.inject({ verb: 'create', resource: 'pods', error: 429, retryAfterSeconds: 1, count: 1 });
  const refused = await core.createNamespacedPod({ namespace: 'ci', body: { ...pod, metadata: { name: 'job-2' } } }).then(
    () => 'created',
    (err: { code?: number }) => `HTTP ${err.code}`,
  );
  if (refused !== 'HTTP 429') throw new Error(`expected the injected 429, got ${refused}`);
  console.log(`injected fault: pod create answered ${refused}`);
  console.log('ok: pod scheduled, run and finished on the manual clock; GitHub job queued; fault injected');
} finally {
  await github.close();
  await kube.close();
}
