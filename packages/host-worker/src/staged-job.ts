// The job the AGC staged in the pod's job Secret: the AcquireJob response, its plan id, and the agent's
// encoded JIT config. Error messages name the file, never its content.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WrapperError } from './errors.js';
import { maxWorkerMessageBytes } from './framing.js';

/** The runner files a JIT config may carry; anything else in it is ignored. */
export const runnerFileNames = ['.runner', '.credentials', '.credentials_rsaparams'] as const;

/** One of {@link runnerFileNames}. */
export type RunnerFileName = (typeof runnerFileNames)[number];

/** The decoded staged job. */
export interface StagedJob {
  /** The raw AcquireJob response (JSON text), fed to the runner worker as the NewJobRequest body. */
  readonly payload: string;
  /** The plan id, for log correlation; undefined when the file is absent. */
  readonly planId: string | undefined;
  /** The runner files decoded from `jitconfig`; undefined when `jitconfig` is absent or empty. */
  readonly runnerFiles: ReadonlyMap<RunnerFileName, Buffer> | undefined;
  /** Names in the JIT config that are not runner files (ignored). */
  readonly ignoredNames: readonly string[];
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new WrapperError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'unknown error'}`);
  }
}

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

function decodeBase64(text: string, what: string): Buffer {
  const compact = text.replace(/\s+/g, '');
  if (compact.length % 4 !== 0 || !base64Pattern.test(compact)) throw new WrapperError(`${what} is not valid base64`);
  return Buffer.from(compact, 'base64');
}

/**
 * Decodes an encoded JIT config: base64 of a JSON object mapping file names to base64 contents.
 * `source` names the file in errors. Returns the runner files and the names it ignored.
 */
export function decodeJitConfig(
  encoded: string,
  source: string,
): { files: Map<RunnerFileName, Buffer>; ignored: string[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decodeBase64(encoded, source).toString('utf8'));
  } catch (err) {
    if (err instanceof WrapperError) throw err;
    throw new WrapperError(`${source} does not decode to JSON (expected base64 of a {name: base64} object)`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new WrapperError(`${source} does not decode to a {name: base64} object`);
  }
  const files = new Map<RunnerFileName, Buffer>();
  const ignored: string[] = [];
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (!(runnerFileNames as readonly string[]).includes(name)) {
      ignored.push(name);
      continue;
    }
    if (typeof value !== 'string') throw new WrapperError(`${source}: entry "${name}" is not a base64 string`);
    files.set(name as RunnerFileName, decodeBase64(value, `${source}: entry "${name}"`));
  }
  return { files, ignored };
}

/** Reads and decodes the staged job from the mounted Secret directory. */
export function readStagedJob(dir: string): StagedJob {
  const payloadPath = join(dir, 'payload');
  const payload = readOptional(payloadPath);
  if (payload === undefined) throw new WrapperError(`job payload ${payloadPath} is missing`);
  if (payload.trim() === '') throw new WrapperError(`job payload ${payloadPath} is empty`);
  const messageBytes = Buffer.byteLength(payload, 'utf16le');
  if (messageBytes > maxWorkerMessageBytes) {
    throw new WrapperError(
      `job payload ${payloadPath} is ${messageBytes} bytes as UTF-16, over the runner worker's ${maxWorkerMessageBytes}-byte message limit`,
    );
  }

  const planId = readOptional(join(dir, 'plan-id'))?.trim() || undefined;

  const jitPath = join(dir, 'jitconfig');
  const jit = readOptional(jitPath);
  if (jit === undefined || jit.trim() === '') return { payload, planId, runnerFiles: undefined, ignoredNames: [] };
  const { files, ignored } = decodeJitConfig(jit, jitPath);
  return { payload, planId, runnerFiles: files, ignoredNames: ignored };
}
