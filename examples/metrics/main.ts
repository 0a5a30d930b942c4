// @actions-gateway/metrics: the controller's registry with typed handles, served on /metrics (127.0.0.1),
// and read back the way Prometheus would.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMetrics, metricCatalogue, renderExposition } from '@actions-gateway/metrics';

const metrics = createMetrics('controller', { buildInfo: { version: '0.1.0', component: 'agc' } });

// Handles take exactly the metric's labels; label values the reference fixes are checked.
metrics.activeSessions.set({ namespace: 'team-a', runner_group: 'linux-small' }, 2);
metrics.jobsAcquired.inc({ namespace: 'team-a', runner_group: 'linux-small' });
metrics.podCreationLatency.observe({ namespace: 'team-a' }, 4.2);
metrics.workerPodsReaped.inc({ namespace: 'team-a', runner_group: 'linux-small', reason: 'completed_ttl' });

const server = createServer((req, res) => {
  if (req.url !== '/metrics') return void res.writeHead(404).end();
  renderExposition(metrics.registry).then(
    (body) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(body),
    (err: unknown) => res.writeHead(500).end(String(err)),
  );
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;

try {
  const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const wanted = [
    'actions_gateway_active_sessions{namespace="team-a",runner_group="linux-small"} 2',
    'actions_gateway_jobs_acquired_total{namespace="team-a",runner_group="linux-small"} 1',
    'actions_gateway_pod_creation_latency_seconds_count{namespace="team-a"} 1',
    'actions_gateway_build_info{version="0.1.0",component="agc"} 1',
  ];
  for (const line of wanted) {
    if (!body.includes(line)) throw new Error(`/metrics lacks: ${line}`);
    console.log(line);
  }

  // A value outside a label's domain is refused with an error naming the metric and the label.
  try {
    (metrics.workerPodsReaped.inc as (labels: Record<string, string>) => void)({ namespace: 'team-a', runner_group: 'x', reason: 'bogus' });
    throw new Error('an unknown reap reason was accepted');
  } catch (err) {
    console.log(`refused: ${(err as Error).message}`);
  }

  const controllerMetrics = metricCatalogue.filter((m) => (m.emittedBy as readonly string[]).includes('agc')).length;
  console.log(`ok: ${controllerMetrics} AGC metrics in the catalogue, served on 127.0.0.1:${port}/metrics`);
} finally {
  await new Promise((resolve) => server.close(resolve));
}
