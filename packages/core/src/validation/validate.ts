// The entry points: every violation of an ActionsGateway or RunnerGroup, never a throw.
import { actionsGatewaySchema } from '../api/actions-gateway-schema.js';
import { runnerGroupSchema } from '../api/runner-group-schema.js';
import { isRecord, ownValue } from '../api/safe-object.js';
import { DNS_LABEL_PATTERN } from '../api/schema-parts.js';
import type { SchemaNode } from '../api/schema-types.js';
import { MAX_DNS_LABEL_LENGTH } from '../naming/bounded-name.js';
import { checkAppRef, checkGitHubUrl, checkNamespace, checkProfileDowngrade, gatewayWarnings } from './gateway-rules.js';
import { child, item } from './path.js';
import { checkRunnerGroupSpec, type RunnerGroupPolicy } from './runner-group-rules.js';
import { checkSchema, type Findings } from './schema-check.js';
import { DEFAULT_RESERVED_NAMESPACES, type ValidationContext, type ValidationResult } from './types.js';

function run(obj: unknown, schema: SchemaNode, rules: (o: Record<string, unknown>, f: Findings) => void): ValidationResult {
  const findings: Findings = { violations: [], warnings: [] };
  try {
    if (!isRecord(obj)) {
      findings.violations.push({ path: '', rule: 'object', message: `the object must be a JSON object, not ${obj === null ? 'null' : Array.isArray(obj) ? 'an array' : typeof obj}` });
    } else {
      checkSchema(obj, schema, '', findings);
      rules(obj, findings);
    }
  } catch (err) {
    // A bug here must not take the webhook or a controller down: report it as a rejection instead.
    findings.violations.push({ path: '', rule: 'internal', message: `validation failed internally: ${err instanceof Error ? err.message : String(err)}` });
  }
  return { valid: findings.violations.length === 0, violations: findings.violations, warnings: findings.warnings };
}

function specProfile(spec: unknown): string {
  const p = isRecord(spec) ? ownValue(spec, 'securityProfile') : undefined;
  return typeof p === 'string' && p !== '' ? p : 'baseline';
}

/**
 * Validates an ActionsGateway: the schema (types, enums, ranges, patterns, unique runner group names), the
 * CRD's cross-field rules, and admission policy (gag-system §3.10: reserved namespace on CREATE, no
 * cross-namespace App Secret, a real https org/repo URL, no privileged or host-level worker pods, PriorityClasses
 * on the allowlist, no profile downgrade on UPDATE without the annotation). Never throws.
 */
export function validateActionsGateway(obj: unknown, context: ValidationContext = {}): ValidationResult {
  return run(obj, actionsGatewaySchema, (o, f) => {
    const operation = context.operation ?? 'CREATE';
    const meta = ownValue(o, 'metadata');
    const namespace = context.namespace ?? (isRecord(meta) ? ownValue(meta, 'namespace') : undefined);
    if (operation === 'CREATE') checkNamespace(namespace, context.reservedNamespaces ?? DEFAULT_RESERVED_NAMESPACES, f);
    if (operation === 'UPDATE') checkProfileDowngrade(o, context.oldObject, f);
    const spec = ownValue(o, 'spec');
    if (!isRecord(spec)) return;
    checkAppRef(ownValue(spec, 'gitHubAppRef'), f);
    checkGitHubUrl(ownValue(spec, 'gitHubURL'), f);
    const proxy = ownValue(spec, 'proxy');
    if (isRecord(proxy)) {
      const min = ownValue(proxy, 'minReplicas');
      const max = ownValue(proxy, 'maxReplicas');
      if (typeof min === 'number' && typeof max === 'number' && min > max) {
        f.violations.push({ path: 'spec.proxy.minReplicas', rule: 'minReplicasAboveMax', message: `spec.proxy.minReplicas (${min}) must be less than or equal to spec.proxy.maxReplicas (${max})` });
      }
    }
    const policy: RunnerGroupPolicy = {
      securityProfile: specProfile(spec),
      allowPrivilegedWorkers: context.allowPrivilegedWorkers === true,
      allowedPriorityClasses: context.allowedPriorityClasses,
    };
    const groups = ownValue(spec, 'runnerGroups');
    if (Array.isArray(groups)) {
      groups.slice(0, 64).forEach((g: unknown, i) => checkRunnerGroupSpec(g, item('spec.runnerGroups', i), policy, f));
    }
    gatewayWarnings(spec, f);
  });
}

/**
 * Validates a RunnerGroup: its schema, cross-field rules (tiers strictly ascending, maxWorkers = last threshold)
 * and the worker pod contract. `context.securityProfile` is the gateway's profile (default baseline);
 * `context.allowedPriorityClasses` enables the allowlist check. Never throws.
 */
export function validateRunnerGroup(obj: unknown, context: ValidationContext = {}): ValidationResult {
  return run(obj, runnerGroupSchema, (o, f) => {
    const policy: RunnerGroupPolicy = {
      securityProfile: context.securityProfile && context.securityProfile !== '' ? context.securityProfile : 'baseline',
      allowPrivilegedWorkers: context.allowPrivilegedWorkers === true,
      allowedPriorityClasses: context.allowedPriorityClasses,
    };
    checkRunnerGroupName(ownValue(o, 'metadata'), f);
    checkRunnerGroupSpec(ownValue(o, 'spec'), child('', 'spec'), policy, f);
  });
}

/** A RunnerGroup's name is a label value on its pods and Secrets, so it must be a DNS label of ≤ 63 chars. */
function checkRunnerGroupName(meta: unknown, f: Findings): void {
  const name = isRecord(meta) ? ownValue(meta, 'name') : undefined;
  if (typeof name !== 'string' || name === '') return;
  if (name.length > MAX_DNS_LABEL_LENGTH || !new RegExp(DNS_LABEL_PATTERN).test(name)) {
    f.violations.push({
      path: 'metadata.name',
      rule: 'pattern',
      message: `metadata.name ${JSON.stringify(name.slice(0, 80))} must be a DNS label of at most ${MAX_DNS_LABEL_LENGTH} characters: it labels the group's pods and Secrets`,
    });
  }
}

/** One line per violation, `path: message [rule]`, for admission responses, Events and conditions. */
export function formatViolations(violations: readonly { path: string; rule: string; message: string }[]): string {
  return violations.map((v) => `${v.message} [${v.rule}]`).join('; ');
}
