/** The rule a violation broke. Schema rules carry the OpenAPI keyword's name. */
export type ValidationRule =
  // From the schema.
  | 'object'
  | 'required'
  | 'type'
  | 'enum'
  | 'minimum'
  | 'maximum'
  | 'minLength'
  | 'maxLength'
  | 'pattern'
  | 'minItems'
  | 'maxItems'
  | 'maxProperties'
  | 'unique'
  | 'durationRange'
  // Cross-field rules (CEL in the CRD).
  | 'minReplicasAboveMax'
  | 'maxWorkersMatchesTiers'
  | 'ascending'
  // Admission policy (gag-system §3.10 and the worker pod contract).
  | 'reservedNamespace'
  | 'crossNamespaceReference'
  | 'url'
  | 'privileged'
  | 'priorityClassNotAllowed'
  | 'profileDowngrade'
  | 'reservedField'
  | 'reservedEnv'
  | 'reservedVolume'
  | 'hostPath'
  // Warnings only.
  | 'unknownField'
  | 'proxyCpuRequest'
  | 'tracingDisabled'
  | 'samplerArgIgnored'
  // The validator itself failed (a bug): reported, never thrown.
  | 'internal';

/** One finding: the field path (`spec.runnerGroups[1].name`), the rule and a message naming both. */
export interface Violation {
  readonly path: string;
  readonly rule: ValidationRule;
  readonly message: string;
}

/** Everything wrong with an object: `violations` reject it, `warnings` do not. */
export interface ValidationResult {
  readonly valid: boolean;
  readonly violations: readonly Violation[];
  readonly warnings: readonly Violation[];
}

/** What the caller knows beyond the object (the webhook fills it from the AdmissionReview and flags). */
export interface ValidationContext {
  /** Default `CREATE`. The reserved-namespace check runs on CREATE; the downgrade check on UPDATE. */
  readonly operation?: 'CREATE' | 'UPDATE';
  /** The stored object on UPDATE. */
  readonly oldObject?: unknown;
  /** Default {@link DEFAULT_RESERVED_NAMESPACES}; the GMC adds its own namespace. */
  readonly reservedNamespaces?: readonly string[];
  /**
   * PriorityClasses tiers may name. `undefined` skips the check (no policy known to the caller);
   * an empty list rejects every tier, as the GMC's `--allowed-priority-classes` does when empty.
   */
  readonly allowedPriorityClasses?: readonly string[];
  /** The request namespace; defaults to `metadata.namespace`. */
  readonly namespace?: string;
  /**
   * Whether the platform lets tenants run privileged worker containers (GMC `--allow-privileged-workers`,
   * default false). Even then a privileged container is accepted only under `securityProfile: privileged`.
   */
  readonly allowPrivilegedWorkers?: boolean;
  /** For a RunnerGroup validated alone: its gateway's securityProfile (the AGC's `SECURITY_PROFILE`). */
  readonly securityProfile?: string;
}

/** Namespaces no ActionsGateway may be created in (the GMC adds its own `POD_NAMESPACE`). */
export const DEFAULT_RESERVED_NAMESPACES: readonly string[] = ['kube-system', 'kube-public', 'gmc-system'];
