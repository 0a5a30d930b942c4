import type { Container, PodSpec } from '../api/kube-types.js';
import type { SecurityProfile } from '../api/types.js';

/** The runner image's user has a non-numeric `USER`, so runAsNonRoot needs an explicit uid. */
export const DEFAULT_RUNNER_UID = 1001;

function restrictContainer(c: Container): void {
  const sc = (c.securityContext ??= {});
  sc.allowPrivilegeEscalation ??= false;
  sc.capabilities ??= { drop: ['ALL'] };
  sc.runAsNonRoot ??= true;
  sc.seccompProfile ??= { type: 'RuntimeDefault' };
}

/**
 * Fills the security defaults of a profile into a pod spec, in place. Only gaps are filled: an explicit
 * template value always wins. `readOnlyRootFilesystem` is never defaulted (the runner writes to its root).
 */
export function applySecurityDefaults(spec: PodSpec, profile: SecurityProfile): void {
  if (profile === 'privileged') return;
  const psc = (spec.securityContext ??= {});
  psc.runAsNonRoot ??= true;
  if (psc.runAsNonRoot && psc.runAsUser === undefined) psc.runAsUser = DEFAULT_RUNNER_UID;
  psc.seccompProfile ??= { type: 'RuntimeDefault' };
  if (profile !== 'restricted') return;
  for (const c of spec.containers) restrictContainer(c);
  for (const c of spec.initContainers ?? []) restrictContainer(c);
}
