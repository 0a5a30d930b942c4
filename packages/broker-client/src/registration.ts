import { BrokerClientError, invalidInput } from './errors.js';
import { readJsonObject } from './http.js';
import { decodeJitConfig, type JitConfig } from './jit.js';
import type { GitHubRestClient } from './rest.js';
import type { GitHubTarget } from './urls.js';

/** What to register. */
export interface JitRunnerSpec {
  /** Unique within the scope. */
  readonly name: string;
  /** Runner group id; 1 is Default. Sent for organization scope only (repositories have no groups). */
  readonly runnerGroupId?: number;
  readonly labels?: readonly string[];
  readonly workFolder?: string;
}

/** A registered single-use runner: its record id, the raw blob (for the worker) and the decoded blob. */
export interface RegisteredRunner {
  readonly runnerId: number;
  readonly name: string;
  /** The blob as GitHub sent it; secret (holds the runner's private key). */
  readonly encodedJitConfig: string;
  readonly jit: JitConfig;
}

/** A runner record as REST lists it. */
export interface RunnerRecord {
  readonly id: number;
  readonly name: string;
  readonly status: string;
  readonly busy: boolean;
  readonly labels: readonly string[];
}

/** Registration calls against one organization or repository (broker-protocol §4, §5). */
export class RunnerRegistrar {
  constructor(
    private readonly rest: GitHubRestClient,
    private readonly target: GitHubTarget,
  ) {}

  /**
   * `generate-jitconfig`. A 409 (name taken, e.g. by a crashed predecessor) is resolved once: list by name,
   * delete the exact match, retry. A second 409 is thrown.
   */
  async generateJitConfig(spec: JitRunnerSpec, signal?: AbortSignal): Promise<RegisteredRunner> {
    if (spec.name.trim() === '' || spec.name.length > 64) throw invalidInput('name', `${JSON.stringify(spec.name)} must be 1–64 characters`);
    if (spec.labels && (spec.labels.length === 0 || spec.labels.length > 100)) throw invalidInput('labels', 'must hold 1–100 labels');
    const body = {
      name: spec.name,
      ...(this.target.scope.kind !== 'repo' && { runner_group_id: spec.runnerGroupId ?? 1 }),
      ...(spec.labels && { labels: spec.labels }),
      work_folder: spec.workFolder ?? '_work',
    };
    try {
      return await this.#generate(body, signal);
    } catch (error) {
      if (!(error instanceof BrokerClientError) || error.status !== 409) throw error;
    }
    const stale = (await this.findRunnersByName(spec.name, signal)).filter((r) => r.name === spec.name);
    for (const r of stale) await this.deleteRunner(r.id, signal);
    return this.#generate(body, signal);
  }

  async #generate(body: Record<string, unknown>, signal?: AbortSignal): Promise<RegisteredRunner> {
    const operation = 'generateJitConfig';
    const res = await this.rest.call({ operation, method: 'POST', path: `${this.target.scopePath}/actions/runners/generate-jitconfig`, body, ok: [200, 201], ...(signal && { signal }) });
    const { runnerId, name, blob } = readJsonObject(operation, res, (f) => {
      const runner = f.object('runner');
      return { runnerId: runner.number('id'), name: runner.string('name'), blob: f.string('encoded_jit_config') };
    });
    return { runnerId, name, encodedJitConfig: blob, jit: decodeJitConfig(blob) };
  }

  /** Runner records whose name matches (the server's filter is not exact: compare yourself). Follows pages. */
  async findRunnersByName(name: string, signal?: AbortSignal): Promise<RunnerRecord[]> {
    const operation = 'listRunners';
    const out: RunnerRecord[] = [];
    for (let page = 1; page <= 50; page++) {
      const res = await this.rest.call({
        operation,
        method: 'GET',
        path: `${this.target.scopePath}/actions/runners?name=${encodeURIComponent(name)}&per_page=100&page=${page}`,
        ok: [200],
        ...(signal && { signal }),
      });
      const runners = readJsonObject(operation, res, (f) => f.array('runners'));
      for (const r of runners) out.push(readRunner(r, operation));
      if (runners.length < 100) break;
    }
    return out;
  }

  /** `DELETE …/actions/runners/{id}`; a 404 (already gone) counts as done. A 422 (busy) is thrown as `unprocessable`. */
  async deleteRunner(runnerId: number, signal?: AbortSignal): Promise<void> {
    try {
      await this.rest.call({ operation: 'deleteRunner', method: 'DELETE', path: `${this.target.scopePath}/actions/runners/${runnerId}`, ok: [200, 204], ...(signal && { signal }) });
    } catch (error) {
      if (error instanceof BrokerClientError && error.status === 404) return;
      throw error;
    }
  }

  /** A registration token (for `config.sh` and the scale-set RemoteAuth hop). */
  async registrationToken(signal?: AbortSignal): Promise<{ token: string; expiresAt: number }> {
    const operation = 'registrationToken';
    const res = await this.rest.call({ operation, method: 'POST', path: `${this.target.scopePath}/actions/runners/registration-token`, ok: [200, 201], ...(signal && { signal }) });
    return readJsonObject(operation, res, (f) => ({ token: f.string('token'), expiresAt: Date.parse(f.optionalString('expires_at') ?? '') || Number.NaN }));
  }
}

function readRunner(value: unknown, operation: string): RunnerRecord {
  const o = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  if (typeof o.id !== 'number' || typeof o.name !== 'string') {
    throw new BrokerClientError('malformed_body', `${operation}: a runner entry lacks id or name`, { operation });
  }
  const labels = Array.isArray(o.labels) ? o.labels.map((l) => (typeof l === 'string' ? l : labelName(l))) : [];
  return { id: o.id, name: o.name, status: typeof o.status === 'string' ? o.status : 'unknown', busy: o.busy === true, labels };
}

function labelName(label: unknown): string {
  const name = (label as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : '';
}
