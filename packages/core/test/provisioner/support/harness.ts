import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { DisruptionRerunner, InMemoryRerunBudgetStore, type Pod, type ProvisionPorts } from '../../../src/index.js';
import { FakeBroker } from './fake-broker.js';
import { FakeWorkflowRuns } from './fake-github.js';
import { InMemoryKubernetes } from './in-memory-kubernetes.js';
import { ManualClock } from './manual-clock.js';
import { RecordingLogger, RecordingMetrics } from './recording.js';

/** Every port in memory, wired the way the AGC wires the real ones. */
export function harness() {
  const clock = new ManualClock();
  const kube = new InMemoryKubernetes(clock);
  const github = new FakeWorkflowRuns(clock);
  const broker = new FakeBroker(clock);
  const metrics = new RecordingMetrics();
  const logger = new RecordingLogger();
  const budget = new InMemoryRerunBudgetStore();
  const spans = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const tracer = provider.getTracer('test');
  const rerunner = new DisruptionRerunner({ github, clock, budget, metrics, logger });
  const ports: ProvisionPorts = { kubernetes: kube, clock, metrics, logger, tracer, rerunner };

  /** Scripts each created pod: scheduled after `scheduleMs`, then `end` after `runMs` more. */
  const kubelet = (scheduleMs: number, runMs: number, end: (name: string) => void | Promise<void> = (n) => kube.setPhase(n, 'Succeeded')): void => {
    kube.onPodCreated = (pod: Pod) => {
      const name = pod.metadata?.name ?? '';
      void (async () => {
        await clock.sleep(scheduleMs);
        if (!kube.pod(name)) return;
        kube.schedule(name);
        await clock.sleep(runMs);
        if (kube.pod(name)) await end(name);
      })();
    };
  };
  return { clock, kube, github, broker, metrics, logger, budget, spans, tracer, rerunner, ports, kubelet };
}
