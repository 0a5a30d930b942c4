// The admission chain: mutating plugins first, then validating ones, as the real server orders them.
import type { Obj } from './json.js';
import type { ResourceType } from './registry.js';

/** What an admission plugin sees. */
export interface AdmissionRequest {
  operation: 'CREATE' | 'UPDATE' | 'DELETE';
  rt: ResourceType;
  namespace: string | undefined;
  name: string;
  /** The object being written; mutating plugins change it in place. */
  object: Obj | undefined;
  oldObject: Obj | undefined;
  subresource: string | undefined;
  dryRun: boolean;
  /** `Strict`, `Warn` or `Ignore`. */
  fieldValidation: string;
  /** Warnings returned to the client in `Warning` headers. */
  warnings: string[];
  user: string;
}

/** One admission plugin; either hook may be absent. Throw an `ApiError` to reject. */
export interface AdmissionPlugin {
  name: string;
  mutate?(req: AdmissionRequest): void | Promise<void>;
  validate?(req: AdmissionRequest): void | Promise<void>;
}

export async function runAdmission(plugins: readonly AdmissionPlugin[], req: AdmissionRequest): Promise<void> {
  for (const p of plugins) if (p.mutate) await p.mutate(req);
  for (const p of plugins) if (p.validate) await p.validate(req);
}
