// Reads what the stand-in needs from an acquired job message (the AcquireJob response, broker-protocol §9.2):
// where and how to complete it, and what the fake GitHub scripted.
import { SCRIPT_VARIABLES } from '../github/config.js';
import type { JobHandle } from './runner-protocol.js';

/** A job's outcome, as the run service spells `TaskResult` (one L in `canceled`). */
export type JobConclusion = 'succeeded' | 'succeededWithIssues' | 'failed' | 'canceled' | 'skipped' | 'abandoned';

/** A job as the stand-in runs it. */
export interface StandInJob {
  /** What completejob needs: plan, job id, SystemVssConnection URL and job token (secret). */
  readonly job: JobHandle;
  /** `agtest.durationMs`: how long the job "runs" (default 0). */
  readonly durationMs: number;
  /** `agtest.conclusion`: what it concludes with (default `succeeded`). */
  readonly conclusion: JobConclusion;
}

const conclusions: readonly string[] = ['succeeded', 'succeededWithIssues', 'failed', 'canceled', 'skipped', 'abandoned'];

/** A job message that cannot be run; the message names the field. */
export class JobMessageError extends Error {
  override readonly name = 'JobMessageError';
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function variable(vars: unknown, name: string): string | undefined {
  if (!isObj(vars)) return undefined;
  const entry = Object.entries(vars).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
  const value = isObj(entry) ? entry.value : entry;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/** The SystemVssConnection endpoint (matched case-insensitively), or undefined. */
function connection(doc: Record<string, unknown>): { url: string; token: string } | undefined {
  const endpoints = isObj(doc.resources) && Array.isArray(doc.resources.endpoints) ? doc.resources.endpoints : [];
  for (const e of endpoints) {
    if (!isObj(e) || typeof e.name !== 'string' || e.name.toLowerCase() !== 'systemvssconnection') continue;
    const params = isObj(e.authorization) && isObj(e.authorization.parameters) ? e.authorization.parameters : {};
    const token = Object.entries(params).find(([k]) => k.toLowerCase() === 'accesstoken')?.[1];
    if (typeof e.url !== 'string' || e.url === '') throw new JobMessageError('job message: resources.endpoints[SystemVssConnection].url is missing');
    if (typeof token !== 'string' || token === '') throw new JobMessageError('job message: resources.endpoints[SystemVssConnection].authorization.parameters.AccessToken is missing');
    return { url: e.url, token };
  }
  return undefined;
}

/** True when the text is a job message the stand-in can complete (it has a SystemVssConnection). */
export function isJobMessage(text: string | undefined): boolean {
  if (text === undefined || text.trim() === '') return false;
  try {
    const doc: unknown = JSON.parse(text);
    return isObj(doc) && connection(doc) !== undefined;
  } catch {
    return false;
  }
}

/** Parses an acquired job message; throws {@link JobMessageError} naming the field at fault. */
export function parseJobMessage(text: string, planIdHeader?: string): StandInJob {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new JobMessageError(`job message is not JSON: ${(e as Error).message}`);
  }
  if (!isObj(doc)) throw new JobMessageError('job message is not a JSON object');
  const conn = connection(doc);
  if (!conn) throw new JobMessageError('job message: resources.endpoints has no SystemVssConnection');
  const planId = planIdHeader ?? (isObj(doc.plan) && typeof doc.plan.planId === 'string' ? doc.plan.planId : undefined);
  if (!planId) throw new JobMessageError('job message: plan.planId is missing');
  if (typeof doc.jobId !== 'string' || doc.jobId === '') throw new JobMessageError('job message: jobId is missing');
  const rawDuration = variable(doc.variables, SCRIPT_VARIABLES.durationMs) ?? '0';
  const durationMs = Number(rawDuration);
  if (!Number.isFinite(durationMs) || durationMs < 0) throw new JobMessageError(`job message: variables["${SCRIPT_VARIABLES.durationMs}"] is ${JSON.stringify(rawDuration)}, not a non-negative number`);
  const conclusion = variable(doc.variables, SCRIPT_VARIABLES.conclusion) ?? 'succeeded';
  if (!conclusions.includes(conclusion)) throw new JobMessageError(`job message: variables["${SCRIPT_VARIABLES.conclusion}"] is ${JSON.stringify(conclusion)}, not one of ${conclusions.join(', ')}`);
  return {
    job: { jobId: doc.jobId, planId, url: conn.url, token: conn.token },
    durationMs,
    conclusion: conclusion as JobConclusion,
  };
}
