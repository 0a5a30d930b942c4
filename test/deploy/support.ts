// Shared by the deploy tests: where the manifests are, kubectl (the real /usr/bin/kubectl) and the rendered objects.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const deployDir = join(root, 'deploy');
export const fixturesDir = join(root, 'test', 'deploy', 'fixtures');
/** The kubectl the tests drive: `KUBECTL`, else /usr/bin/kubectl. */
export const kubectlPath = process.env.KUBECTL ?? '/usr/bin/kubectl';

const run = promisify(execFile);

/** A rendered or stored Kubernetes object, loosely typed: the tests read fields by path. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** Runs kubectl; resolves with its output whatever the exit code, so a test can show why it failed. */
export async function kubectl(args: readonly string[], kubeconfig?: string): Promise<{ ok: boolean; out: string; stdout: string }> {
  try {
    const r = await run(kubectlPath, [...(kubeconfig ? ['--kubeconfig', kubeconfig] : []), ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    return { ok: true, out: r.stdout + r.stderr, stdout: r.stdout };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message?: string };
    return { ok: false, out: `${err.stdout ?? ''}${err.stderr ?? ''}${err.message ?? ''}`, stdout: err.stdout ?? '' };
  }
}

/** Parses a multi-document YAML stream; a document that does not parse fails loudly. */
export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS() as Manifest | null;
    return value ? [value] : [];
  });
}

/** `kubectl kustomize <dir>` as objects. */
export async function kustomize(dir: string): Promise<Manifest[]> {
  const r = await kubectl(['kustomize', dir]);
  if (!r.ok) throw new Error(`kubectl kustomize ${dir} failed:\n${r.out}`);
  return parseManifests(r.stdout);
}

/** The one object of `kind` named `name`; throws naming what is missing. */
export function find<T = Manifest>(objects: readonly Manifest[], kind: string, name: string): T {
  const hit = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!hit) throw new Error(`no ${kind} ${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return hit as T;
}
