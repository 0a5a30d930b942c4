// The crash driver shared by the reduced crash-replay test and the chaos form: runs `total` jobs through the
// scale-set tier in one assignment mode, kills the tier (no session close, no waiting: what SIGKILL leaves)
// once each kill point's conclusion count is reached and a further delay has passed, starts a successor
// from the state ConfigMap each time, and counts what GitHub saw.
import { createScaleSetListenerTier } from '../../../src/agc/scaleset/factory.js';
import { scaleSetStateName } from '../../../src/agc/scaleset/state-store.js';
import { NAMESPACE, waitFor, type ScaleSetEnv } from './scaleset-env.js';

/** One kill: after `afterConclusions` jobs concluded, wait `delayMs`, then kill. */
export interface KillPoint {
  readonly afterConclusions: number;
  readonly delayMs: number;
}

export interface CrashRunOptions {
  readonly mode: 'auto' | 'acquire';
  readonly total: number;
  readonly kills: readonly KillPoint[];
  /** How long to wait for every conclusion once the last kill is done. */
  readonly finishMs: number;
  /** How long the state and the runners may take to settle once every job concluded [60 s]. */
  readonly settleMs?: number;
  /** Period of the leaked-runner sweep of each tier process. */
  readonly runnerSweepMs?: number;
}

/** What GitHub and the cluster saw. */
export interface CrashRunFigures {
  readonly jobs: number;
  readonly kills: number;
  /** Jobs never concluded. */
  readonly lost: number;
  /** Jobs acquired by more than one runner (ran twice). */
  readonly duplicated: number;
  /** Plans (job pods) that got more than one pod. */
  readonly extraPods: number;
  /** JIT runners of the scale set still registered and unused at the end. */
  readonly leakedRunners: number;
  /** Job records still in the state ConfigMap at the end. */
  readonly leftInState: number;
  readonly ms: number;
}

/** One line of figures, as the chaos tests print them. */
export function formatFigures(name: string, f: CrashRunFigures): string {
  return `${name}: jobs=${f.jobs} kills=${f.kills} lost=${f.lost} duplicated=${f.duplicated} extra_pods=${f.extraPods} leaked_runners=${f.leakedRunners} left_in_state=${f.leftInState} time=${(f.ms / 1000).toFixed(1)}s`;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runWithCrashes(env: ScaleSetEnv, options: CrashRunOptions): Promise<CrashRunFigures> {
  const started = Date.now();
  env.fake.control.setScaleSetMode(options.mode);
  const concluded = (): number => env.fake.control.jobs().filter((j) => j.state === 'completed').length;
  let kill = new AbortController();
  const startProcess = (): void =>
    void env.start(
      createScaleSetListenerTier({
        kubeConfig: env.server.kubeConfig,
        conflictRetryMs: 100,
        errorBackoffMs: 50,
        startGraceMs: 300,
        runnerSweepMs: options.runnerSweepMs ?? 1_000,
        killSignal: kill.signal,
      }),
    );
  startProcess();
  await waitFor('the scale set', () => env.fake.control.scaleSets().length === 1);
  for (let i = 0; i < options.total; i++) env.fake.control.enqueueJob({ repo: 'acme/app', labels: ['linux'] });
  for (const point of options.kills) {
    await waitFor(`${point.afterConclusions} conclusions`, () => concluded() >= point.afterConclusions, options.finishMs);
    await sleep(point.delayMs);
    kill.abort(new Error('SIGKILL'));
    kill = new AbortController();
    // A successor starts after its predecessor's last request has landed (a killed process sends nothing
    // more; a new pod takes seconds). In-process, calls already on the wire are still in flight here.
    await sleep(300);
    startProcess();
  }
  await waitFor(`${options.total} conclusions`, () => concluded() === options.total, options.finishMs).catch(() => undefined);
  // Let any stray work show itself, and the state and the runner sweep settle, before counting.
  let leftInState = 0;
  let leakedRunners = 0;
  const count = async (): Promise<boolean> => {
    const cm = await env.core.readNamespacedConfigMap({ namespace: NAMESPACE, name: scaleSetStateName('linux') });
    leftInState = Object.keys(cm.data ?? {}).filter((k) => k.startsWith('job.')).length;
    leakedRunners = env.fake.control.runners().filter((r) => r.scaleSetId !== null && r.state === 'registered' && !r.busy).length;
    return leftInState === 0 && leakedRunners === 0;
  };
  await sleep(1_000);
  await waitFor('the state and the runners to settle', count, options.settleMs ?? 60_000).catch(() => undefined);
  const jobs = env.fake.control.jobs();
  return {
    jobs: jobs.length,
    kills: options.kills.length,
    lost: jobs.filter((j) => j.state !== 'completed').length,
    duplicated: jobs.filter((j) => j.timesAcquired > 1).length,
    extraPods: [...env.runners.podsByPlan.values()].filter((uids) => uids.size > 1).length,
    leakedRunners,
    leftInState,
    ms: Date.now() - started,
  };
}
