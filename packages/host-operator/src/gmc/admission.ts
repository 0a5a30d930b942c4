/**
 * The ActionsGateway admission decision (AdmissionReview v1), pure so it can be tested without TLS:
 * CREATE and UPDATE run core's `validateActionsGateway` — the same function the controller runs —
 * and every violation is named in the denial; warnings go back as admission warnings.
 */
import { formatViolations, validateActionsGateway, type ValidationContext } from '@actions-gateway/core';

/** The parts of an AdmissionReview v1 the webhook reads and writes. */
export interface AdmissionReview {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  request?: {
    uid: string;
    operation?: string;
    namespace?: string;
    object?: unknown;
    oldObject?: unknown;
  };
  response?: {
    uid: string;
    allowed: boolean;
    status?: { code: number; reason: string; message: string };
    warnings?: string[];
  };
}

/** Policy the webhook applies beyond the object itself. */
export type AdmissionPolicy = Pick<ValidationContext, 'reservedNamespaces' | 'allowedPriorityClasses' | 'allowPrivilegedWorkers'>;

/** Thrown for a request body that is not an AdmissionReview v1 (answered with HTTP 400). */
export class BadAdmissionRequest extends Error {}

/** Decides one AdmissionReview. */
export function reviewActionsGateway(body: unknown, policy: AdmissionPolicy): AdmissionReview {
  const review = body as Partial<AdmissionReview> | null;
  if (!review || typeof review !== 'object' || review.kind !== 'AdmissionReview' || !review.request || typeof review.request.uid !== 'string') {
    throw new BadAdmissionRequest('body is not an admission.k8s.io/v1 AdmissionReview with request.uid');
  }
  const { uid, operation, namespace, object, oldObject } = review.request;
  const reply = (response: Omit<NonNullable<AdmissionReview['response']>, 'uid'>): AdmissionReview => ({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid, ...response },
  });
  if (operation !== 'CREATE' && operation !== 'UPDATE') return reply({ allowed: true });
  const result = validateActionsGateway(object, {
    ...policy,
    operation,
    ...(oldObject !== undefined ? { oldObject } : {}),
    ...(namespace ? { namespace } : {}),
  });
  const warnings = result.warnings.map((w) => `${w.path}: ${w.message}`);
  if (result.valid) return reply({ allowed: true, ...(warnings.length > 0 ? { warnings } : {}) });
  return reply({
    allowed: false,
    status: { code: 403, reason: 'Forbidden', message: `ActionsGateway rejected: ${formatViolations(result.violations)}` },
    ...(warnings.length > 0 ? { warnings } : {}),
  });
}
