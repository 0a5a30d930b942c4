// The stand-in runner as a kubelet in-process container: the job Secret's files come from the pod's volumes,
// the proxy and CA from its env and mounts, the pod's deletion cancels the job.
import type { Dispatcher } from 'undici';
import type { Obj } from '../apiserver/json.js';
import type { InProcessContainer, InProcessSelector } from '../kubelet/in-process.js';
import type { StandInOptions } from './run-job.js';
import { runStandInJob } from './run-job.js';
import { standInDispatcher } from './transport.js';

/** Where the worker wrapper looks for the job Secret by default (`PAYLOAD_SECRET_PATH`). */
const defaultPayloadDir = '/run/secrets/job-payload';

/** Options of {@link standInContainers}. */
export interface StandInContainerOptions {
  /** Which pods run the stand-in (default: every pod whose first container has a job Secret at `PAYLOAD_SECRET_PATH`). */
  readonly match?: (pod: Obj) => boolean;
  /** A fixed dispatcher; default one built per pod from its `HTTPS_PROXY`/`NO_PROXY` env and `PROXY_CA_CERT_PATH` file. */
  readonly dispatcher?: Dispatcher;
  /** CA certificates (PEM) trusted besides the pod's proxy CA, e.g. the fake GitHub's. */
  readonly extraCaPems?: readonly string[];
  /** Passed through to {@link runStandInJob} (retry pacing, renew interval, runner version, log). */
  readonly run?: Pick<StandInOptions, 'completeAttempts' | 'completeRetryDelayMs' | 'renewIntervalMs' | 'runnerVersion' | 'log'>;
}

/** The in-process container that runs the stand-in for one pod. */
export function standInContainer(options: StandInContainerOptions = {}): InProcessContainer {
  return async ({ files, env, signal }) => {
    const dir = (env.PAYLOAD_SECRET_PATH || defaultPayloadDir).replace(/\/+$/, '');
    const caPath = env.PROXY_CA_CERT_PATH;
    const dispatcher =
      options.dispatcher ??
      standInDispatcher({ env: { HTTPS_PROXY: env.HTTPS_PROXY, HTTP_PROXY: env.HTTP_PROXY, NO_PROXY: env.NO_PROXY }, extraCaPems: [...(caPath && files[caPath] ? [files[caPath]] : []), ...(options.extraCaPems ?? [])] });
    const result = await runStandInJob({ ...options.run, payload: files[`${dir}/payload`], jitConfig: files[`${dir}/jitconfig`], signal, dispatcher });
    if (result.detail) options.run?.log?.('stand-in failed', { detail: result.detail });
    return result.exitCode;
  };
}

/** A kubelet `inProcess` selector that runs the stand-in runner for the pods it matches. */
export function standInContainers(options: StandInContainerOptions = {}): InProcessSelector {
  const container = standInContainer(options);
  const hasJobSecret = (pod: Obj): boolean => {
    const spec = (pod.spec ?? {}) as { containers?: { volumeMounts?: { mountPath?: string }[]; env?: { name?: string; value?: string }[] }[] };
    const c = spec.containers?.[0];
    const dir = c?.env?.find((e) => e.name === 'PAYLOAD_SECRET_PATH')?.value || defaultPayloadDir;
    return (c?.volumeMounts ?? []).some((m) => m.mountPath === dir);
  };
  const match = options.match ?? hasJobSecret;
  return (pod) => (match(pod) ? container : undefined);
}
