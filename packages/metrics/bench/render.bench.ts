// Time to render /metrics with 200 runner groups × every label combination the controller metrics allow,
// beside the same render of a registry that holds the same metrics but no series.
import { createMetrics, metricCatalogue } from '@actions-gateway/metrics';
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
  metrics.reconcileErrors.inc({ controller: 'runnergroup', resource: 'RunnerGroup' });
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
const fullRun = await timeRenders(() => full.registry.metrics());
const emptyRun = await timeRenders(() => empty.registry.metrics());
const result = {
  runnerGroups: RUNNER_GROUPS,
  series: (await full.registry.getMetricsAsJSON()).reduce((n, m) => n + m.values.length, 0),
  bytes: fullRun.bytes,
  medianMs: median(fullRun.samples),
  p99Ms: percentile(fullRun.samples, 0.99),
  emptyMedianMs: median(emptyRun.samples),
  ratioToEmpty: median(fullRun.samples) / median(emptyRun.samples),
  goalMedianMs: 10,
};
console.log(
  `/metrics render, ${RUNNER_GROUPS} runner groups (${result.series} series, ${(result.bytes / 1024).toFixed(0)} KiB): ` +
    `median ${result.medianMs.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms | empty registry: median ${result.emptyMedianMs.toFixed(3)} ms ` +
    `| ratio ${result.ratioToEmpty.toFixed(0)}× | goal ≤ ${result.goalMedianMs} ms: ${result.medianMs <= result.goalMedianMs ? 'met' : 'MISSED'}`,
);
writeBenchResult('metrics-render', result);
