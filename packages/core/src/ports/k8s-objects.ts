/**
 * The Kubernetes object shapes the provisioner reads and writes that `api/kube-types` does not carry:
 * observed pods (status, Date-or-string timestamps as client-node and JSON hand them out), Secrets,
 * ResourceQuotas and LimitRanges. Structurally compatible with `@kubernetes/client-node`'s objects, so a
 * host passes those straight through. Template shapes (PodSpec, Container, …) come from `api/kube-types`.
 */
import type { ObjectMeta, PodSpec } from '../api/kube-types.js';

/** A quantity map such as `{ cpu: '500m', memory: '1Gi' }`. */
export type ResourceList = Record<string, string>;

/** A Kubernetes timestamp: client-node hands out `Date`, plain JSON carries RFC 3339 strings. */
export type KubeTime = Date | string;

/** Metadata of an object read back from the API. */
export type ObservedMeta = Omit<ObjectMeta, 'creationTimestamp' | 'deletionTimestamp'> & {
  creationTimestamp?: KubeTime;
  deletionTimestamp?: KubeTime;
  /** Set with `deletionTimestamp`: the grace the deletion gave (so the request time is the difference). */
  deletionGracePeriodSeconds?: number;
};

/** A pod condition, e.g. `PodScheduled` or `DisruptionTarget`. */
export interface PodCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: KubeTime;
}

/** Container status: only the terminated state matters to the reaper. */
export interface ContainerStatus {
  name: string;
  state?: { terminated?: { exitCode?: number; reason?: string; finishedAt?: KubeTime } };
}

/** Pod status. */
export interface PodStatus {
  phase?: string;
  reason?: string;
  message?: string;
  conditions?: PodCondition[];
  containerStatuses?: ContainerStatus[];
}

/** A pod, as built (no status) or as read back. */
export interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata?: ObservedMeta;
  spec?: PodSpec;
  status?: PodStatus;
}

/** A Secret. `data` values are base64, as on the wire. */
export interface Secret {
  apiVersion?: string;
  kind?: string;
  metadata?: ObservedMeta;
  type?: string;
  data?: Record<string, string>;
}

/** A ResourceQuota: `status.hard`/`status.used` are what the API server enforces. */
export interface ResourceQuota {
  metadata?: ObservedMeta;
  spec?: { hard?: ResourceList; scopes?: string[] };
  status?: { hard?: ResourceList; used?: ResourceList };
}

/** One item of a LimitRange. */
export interface LimitRangeItem {
  type: string;
  default?: ResourceList;
  defaultRequest?: ResourceList;
  max?: ResourceList;
  min?: ResourceList;
}

/** A LimitRange. */
export interface LimitRange {
  metadata?: ObservedMeta;
  spec?: { limits: LimitRangeItem[] };
}
