// The few Kubernetes shapes core reads or writes, written structurally (core imports no Kubernetes client).
// Fields core does not care about pass through the index signatures untouched.

/** `metav1.OwnerReference`. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** `metav1.ObjectMeta`, the parts core uses. */
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
}

/** `corev1.ResourceRequirements` with quantities as strings. */
export interface ResourceRequirements {
  requests?: Record<string, string>;
  limits?: Record<string, string>;
}

/** `corev1.SecurityContext`, the parts core checks. */
export interface ContainerSecurityContext {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type: string; localhostProfile?: string };
  [field: string]: unknown;
}

/** `corev1.EnvVar`. */
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: Record<string, unknown>;
}

/** `corev1.Container`, the parts core reads or writes. */
export interface Container {
  name: string;
  image?: string;
  args?: string[];
  command?: string[];
  env?: EnvVar[];
  ports?: Array<{ name?: string; containerPort: number; protocol?: string }>;
  resources?: ResourceRequirements;
  securityContext?: ContainerSecurityContext;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean; subPath?: string }>;
  [field: string]: unknown;
}

/** `corev1.PodSecurityContext`, the parts core writes. */
export interface PodSecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  fsGroup?: number;
  seccompProfile?: { type: string; localhostProfile?: string };
  [field: string]: unknown;
}

/** `corev1.PodSpec`, the parts core reads or writes. */
export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Array<Record<string, unknown> & { name: string }>;
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  restartPolicy?: string;
  priorityClassName?: string;
  activeDeadlineSeconds?: number;
  terminationGracePeriodSeconds?: number;
  securityContext?: PodSecurityContext;
  [field: string]: unknown;
}

/**
 * `corev1.PodTemplateSpec` as a RunnerGroup carries it. `containers` is required as in Kubernetes, but may be
 * empty: a `runner` container is prepended when the template has none.
 */
export interface PodTemplateSpec {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: PodSpec;
}

/** A Kubernetes object as core builds it: enough for any client to create or patch. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta & { name: string };
  [field: string]: unknown;
}
