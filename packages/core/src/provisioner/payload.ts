/**
 * The little the AGC reads from a job's acquire payload: the run to re-run after a disruption.
 * The payload is otherwise opaque; it goes to the worker as it came.
 */

/** The run of a job, as named in its payload. */
export interface JobRunInfo {
  readonly runId: string;
  readonly owner: string;
  readonly repo: string;
}

/** Why a payload names no usable run. */
export type PayloadProblem = 'malformed_json' | 'missing_run_id' | 'invalid_run_id' | 'missing_repository' | 'invalid_repository';

/** The result of reading a payload: a run, or the problem with it (never a throw). */
export type JobRunLookup = { readonly ok: true; readonly run: JobRunInfo } | { readonly ok: false; readonly problem: PayloadProblem; readonly detail: string };

const ownerOrRepo = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Splits `owner/repo`, each part safe in a URL path; undefined for anything else. */
export function parseRepository(repository: string): { owner: string; repo: string } | undefined {
  const [owner = '', repo = '', ...rest] = repository.split('/');
  return rest.length === 0 && ownerOrRepo.test(owner) && ownerOrRepo.test(repo) ? { owner, repo } : undefined;
}

function variable(vars: unknown, key: string): unknown {
  if (vars === null || typeof vars !== 'object') return undefined;
  const entry = (vars as Record<string, unknown>)[key];
  if (entry !== null && typeof entry === 'object' && 'value' in entry) return entry.value;
  return undefined;
}

/**
 * Reads run id and repository: `variables["system.github.run_id"].value` (falling back to a top-level
 * `run_id`) and `variables["system.github.repository"].value` (`owner/repo`, both parts validated so they
 * are safe in a URL path).
 */
export function readJobRun(payload: string): JobRunLookup {
  let doc: unknown;
  try {
    doc = JSON.parse(payload);
  } catch (err) {
    return { ok: false, problem: 'malformed_json', detail: `payload is not JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (doc === null || typeof doc !== 'object') return { ok: false, problem: 'malformed_json', detail: 'payload is not a JSON object' };
  const body = doc as Record<string, unknown>;
  const rawRun = variable(body['variables'], 'system.github.run_id') ?? body['run_id'];
  if (rawRun === undefined || rawRun === null || rawRun === '') {
    return { ok: false, problem: 'missing_run_id', detail: 'payload has no variables["system.github.run_id"] and no run_id' };
  }
  if (typeof rawRun !== 'string' && typeof rawRun !== 'number') return { ok: false, problem: 'invalid_run_id', detail: 'run id is neither a string nor a number' };
  const runId = String(rawRun);
  if (!/^[1-9]\d{0,19}$/.test(runId)) return { ok: false, problem: 'invalid_run_id', detail: `run id ${JSON.stringify(runId).slice(0, 40)} is not a positive integer` };
  const repository = variable(body['variables'], 'system.github.repository');
  if (typeof repository !== 'string' || repository === '') {
    return { ok: false, problem: 'missing_repository', detail: 'payload has no variables["system.github.repository"]' };
  }
  const parts = parseRepository(repository);
  if (!parts) return { ok: false, problem: 'invalid_repository', detail: `repository ${JSON.stringify(repository).slice(0, 80)} is not owner/repo` };
  return { ok: true, run: { runId, ...parts } };
}
