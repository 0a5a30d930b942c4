// Pod security shared by the proxy and AGC Deployments (gag-system §3.5): non-root, read-only root, no
// privilege escalation, no capabilities, RuntimeDefault seccomp.
import type { ContainerSecurityContext, PodSecurityContext } from '../api/kube-types.js';

/** The uid/gid both images run as (distroless nonroot). */
export const NONROOT_ID = 65532;

/** Pod-level security context of both Deployments. */
export function podSecurityContext(): PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: NONROOT_ID,
    runAsGroup: NONROOT_ID,
    fsGroup: NONROOT_ID,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container-level security context of both Deployments. */
export function containerSecurityContext(): ContainerSecurityContext {
  return {
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Grace period of both Deployments: the proxy drains tunnels and the AGC flushes spans within it. */
export const TERMINATION_GRACE_SECONDS = 60;
