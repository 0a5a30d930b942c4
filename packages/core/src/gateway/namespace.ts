// Pod Security Admission labels the GMC stamps on the tenant namespace (server-side apply, own field manager).
import type { KubeObject } from '../api/kube-types.js';
import type { SecurityProfile } from '../api/types.js';

/** The six PSA labels for `profile`: enforce, warn and audit at `profile`, each pinned to `latest`. */
export function psaNamespaceLabels(profile: SecurityProfile): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const mode of ['enforce', 'warn', 'audit']) {
    labels[`pod-security.kubernetes.io/${mode}`] = profile;
    labels[`pod-security.kubernetes.io/${mode}-version`] = 'latest';
  }
  return labels;
}

/** The server-side-apply body for the tenant namespace's PSA labels (field manager PSA_FIELD_MANAGER). */
export function buildNamespacePsaApply(namespace: string, profile: SecurityProfile): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: psaNamespaceLabels(profile) } };
}
