// The must-show scenarios' setup: an in-process agc (classic tier with test timings) against the testkit
// API server and the fake GitHub, worker pods run by the testkit stand-in runner in the kubelet's in-process
// mode (the worker completes each job at GitHub with the job token, as the real runner does), and a
// recorder of every metric sample the agc exposed across the suite (for the catalogue coverage test).
import { standInContainers, type FakeTimings, type KubeletOptions } from '@actions-gateway/testkit';
import { createClassicListenerTier } from '../../../src/agc/classic/classic-tier.js';
import type { ClassicTierTimings } from '../../../src/agc/classic/timings.js';
import { startAgc, type AgcHostOptions, type AgcProcess } from '../../../src/agc/main.js';
import { eventually, runnerGroup, startAgcEnv, type AgcEnv } from '../host/agc-env.js';

/** Timings for tests: no production-length waits on the real clock. */
export const FAST_TIMINGS: Partial<ClassicTierTimings> = { restartDelayMs: 50, maxRestartDelayMs: 200, admissionRecheckMs: 100, minPollIntervalMs: 0 };

/** Every `name{labels}` sample with a non-zero value the agc exposed, across all scenarios of the run. */
export const seenSamples = new Set<string>();

/** Records the non-zero samples of an agc's /metrics text. */
export function recordSamples(text: string): void {
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m && Number(m[3]) !== 0) seenSamples.add(`${m[1]}${m[2] ?? ''}`);
  }
}

export interface Scenario {
  readonly env: AgcEnv;
  readonly agc: AgcProcess;
  /** The agc's /metrics text (also recorded for the coverage test). */
  metrics(): Promise<string>;
  /** Creates a Classic RunnerGroup and waits until a session is open. */
  group(name: string, spec?: Record<string, unknown>): Promise<void>;
  /** Worker pods of a group, as the API server has them now. */
  pods(group?: string): Promise<{ name: string; phase: string; planId: string }[]>;
  close(): Promise<void>;
}

export async function startScenario(options: { kubelet?: KubeletOptions; timings?: Partial<ClassicTierTimings>; host?: AgcHostOptions; fakeTimings?: Partial<FakeTimings>; args?: string[] } = {}): Promise<Scenario> {
  const env = await startAgcEnv({
    kubelet: options.kubelet ?? { startDelayMs: 0, inProcess: standInContainers({ run: { completeRetryDelayMs: 50 } }) },
    ...(options.fakeTimings && { fakeTimings: options.fakeTimings }),
  });
  const started = await startAgc(env.args(options.args), env.env(), {
    tiers: { Classic: createClassicListenerTier({ kubeConfig: env.server.kubeConfig, timings: { ...FAST_TIMINGS, ...options.timings } }) },
    logDestination: env.logStream,
    rerunRetryIntervalMs: 500,
    ...options.host,
  });
  if ('help' in started) throw new Error('help');
  const agc = started;
  const metrics = async (): Promise<string> => {
    const text = await (await fetch(`http://127.0.0.1:${agc.ports.metrics}/metrics`)).text();
    recordSamples(text);
    return text;
  };
  return {
    env,
    agc,
    metrics,
    async group(name, spec = {}) {
      await env.objects.create(runnerGroup(env.namespace, name, { runnerLabels: ['self-hosted', name], ...spec }));
      await eventually(async () => {
        const rg = (await env.custom.getNamespacedCustomObject({ group: 'actions-gateway.github.com', version: 'v1alpha1', plural: 'runnergroups', namespace: env.namespace, name })) as { status?: { activeSessions?: number } };
        return (rg.status?.activeSessions ?? 0) > 0;
      }, `a session of ${name}`, 20_000);
    },
    async pods(group) {
      const list = await env.core.listNamespacedPod({ namespace: env.namespace, ...(group && { labelSelector: `actions-gateway/runner-group=${group}` }) });
      return list.items.map((p) => ({ name: p.metadata?.name ?? '', phase: p.status?.phase ?? '', planId: p.metadata?.annotations?.['actions-gateway/plan-id'] ?? '' }));
    },
    async close() {
      await metrics().catch(() => undefined);
      await agc.shutdown();
      await env.close();
    },
  };
}
