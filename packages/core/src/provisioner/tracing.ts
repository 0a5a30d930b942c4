import { context, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';

// Span names of the job-to-pod path, as the observability reference spells them.
/** The root span: one per acquired job. */
export const PROVISION_SPAN = 'Provisioner.provision';
/** Child span: writing the job's payload Secret. */
export const STAGE_JOB_SECRET_SPAN = 'stageJobSecret';
/** Child span: counting active worker pods for the ceiling and priority tier. */
export const COUNT_ACTIVE_PODS_SPAN = 'countActivePods';
/** Child span: creating the worker pod (quota retries included). */
export const CREATE_POD_SPAN = 'createPod';
/** Child span: waiting for the worker pod's terminal phase; usually the long pole. */
export const WAIT_FOR_COMPLETION_SPAN = 'waitForCompletion';

/** Attribute keys of the `Provisioner.provision` span, as the observability reference spells them. */
export const ProvisionAttributes = {
  namespace: 'runnergroup.namespace',
  name: 'runnergroup.name',
  planId: 'plan.id',
  podName: 'pod.name',
  activePods: 'active_pods',
  ceilingHeld: 'ceiling.held',
  priorityClass: 'priority_class',
  podPhase: 'pod.phase',
  podReason: 'pod.reason',
  durationSeconds: 'duration_seconds',
} as const;

/** The tracer core uses when the host passes none: the global provider's (a no-op until one is set). */
export function defaultTracer(): Tracer {
  return trace.getTracer('@actions-gateway/core');
}

/** Runs `work` in a child span of `parent`, ending it and marking errors. */
export async function inChildSpan<T>(tracer: Tracer, parent: Span, name: string, work: (span: Span) => Promise<T>, attributes?: Attributes): Promise<T> {
  const span = tracer.startSpan(name, attributes ? { attributes } : {}, trace.setSpan(context.active(), parent));
  try {
    return await work(span);
  } catch (err) {
    span.recordException(err instanceof Error ? err : String(err));
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
    throw err;
  } finally {
    span.end();
  }
}
