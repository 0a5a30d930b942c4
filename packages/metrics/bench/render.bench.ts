// Time to render /metrics with 200 runner groups × every label combination the controller metrics allow,
// with the package's exposition writer (what the hosts serve), beside prom-client's own registry.metrics()
// on the same registry and the writer on a registry that holds the same metrics but no series.
import { createMetrics, metricCatalogue, renderExposition } from '@actions-gateway/metrics';
import { writeBenchResult, median, percentile } from '../../../scripts/bench-support.js';

const RUNNER_GROUPS = 200;
const ROUNDS = 200;

function populated() {
  const metrics = createMetrics('controller', { buildInfo: { version: 'bench', component: 'agc' } });
  const namespace = 'tenant-a';
  const reasons = metricCatalogue.find((m) => m.key === 'jobAcquisitionErrors')!.labelDomains.reason.values;
  const pollReasons = metricCatalogue.find((m) => m.key === 'messagePollErrors')!.labelDomains.reason.values;
  for (const reason of reasons) metrics.jobAcquisitionErrors.inc({ namespace, reason });
  for (const reason of pollReasons) metrics.messagePollErrors.inc({ namespace, reason });
  metrics.podCreationLatency.observe({ namespace }, 3);
  metrics.tokenRefreshes.inc({ namespace });
  metrics.tokenRefreshErrors.inc({ namespace });
  metrics.renewJobErrors.inc({ namespace });
  metrics.ipRangeUpdates.inc({ namespace });
  metrics.managedGateways.set(1);
  metrics.reconcileErrors.inc({ controller: 'agc', resource: 'runnergroup' });
  metrics.reconcileErrors.inc({ controller: 'actionsgateway', resource: 'ActionsGateway' });
  for (let i = 0; i < RUNNER_GROUPS; i++) {
    const labels = { namespace, runner_group: `group-${i}` } as const;
    metrics.activeSessions.set(labels, 1);
    metrics.jobsAcquired.inc(labels);
    metrics.jobDuration.observe(labels, 42);
    metrics.evictionRetries.inc(labels);
    metrics.evictionRetriesExhausted.inc(labels);
    metrics.agentRecycleErrors.inc(labels);
    for (const reason of ['completed_ttl', 'pending_deadline'] as const) metrics.workerPodsReaped.inc({ ...labels, reason });
    for (const trigger of ['post_job', 'stale_session', 'startup', 'reconcile_repair'] as const) {
      metrics.agentRecycles.inc({ ...labels, trigger });
    }
  }
  return metrics;
}

async function timeRenders(render: () => Promise<string>): Promise<{ samples: number[]; bytes: number }> {
  let bytes = 0;
  for (let i = 0; i < 20; i++) bytes = (await render()).length; // warm-up
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = process.hrtime.bigint();
    await render();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return { samples, bytes };
}

const full = populated();
const empty = createMetrics('controller');
if ((await renderExposition(full.registry)) !== (await full.registry.metrics())) {
  throw new Error('renderExposition differs from prom-client on the bench registry');
}
const promClientRun = await timeRenders(() => full.registry.metrics());
const fullRun = await timeRenders(() => renderExposition(full.registry));
const emptyRun = await timeRenders(() => renderExposition(empty.registry));
const result = {
  runnerGroups: RUNNER_GROUPS,
  series: (await full.registry.getMetricsAsJSON()).reduce((n, m) => n + m.values.length, 0),
  bytes: fullRun.bytes,
  medianMs: median(fullRun.samples),
  p99Ms: percentile(fullRun.samples, 0.99),
  promClientMedianMs: median(promClientRun.samples),
  promClientP99Ms: percentile(promClientRun.samples, 0.99),
  speedupOverPromClient: median(promClientRun.samples) / median(fullRun.samples),
  emptyMedianMs: median(emptyRun.samples),
  ratioToEmpty: median(fullRun.samples) / median(emptyRun.samples),
  goalMedianMs: 10,
};
console.log(
  `/metrics render, ${RUNNER_GROUPS} runner groups (${result.series} series, ${(result.bytes / 1024).toFixed(0)} KiB): ` +
    `renderExposition median ${result.medianMs.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms ` +
    `| prom-client registry.metrics() median ${result.promClientMedianMs.toFixed(2)} ms (${result.speedupOverPromClient.toFixed(1)}× slower) ` +
    `| empty registry: median ${result.emptyMedianMs.toFixed(3)} ms (ratio ${result.ratioToEmpty.toFixed(0)}×) ` +
    `| goal ≤ ${result.goalMedianMs} ms: ${result.medianMs <= result.goalMedianMs ? 'met' : 'MISSED'}`,
);
writeBenchResult('metrics-render', result);
