// Structural defaulting as the API server does it: top-down, a missing field with a schema `default` gets a
// copy of it, then defaulting continues inside (so `proxy: {}` defaulted from `default: {}` gains its fields).
import { actionsGatewaySchema } from './actions-gateway-schema.js';
import { runnerGroupSchema, runnerGroupSpecSchema } from './runner-group-schema.js';
import { cloneJson, defineOwn, isRecord, ownValue } from './safe-object.js';
import type { SchemaNode } from './schema-types.js';
import type {
  ActionsGateway,
  DefaultedActionsGatewaySpec,
  DefaultedRunnerGroupSpec,
  RunnerGroup,
  RunnerGroupSpec,
} from './types.js';

/** Returns a defaulted deep copy of `value` under `schema`; never mutates and never throws. */
export function applySchemaDefaults(value: unknown, schema: SchemaNode): unknown {
  if (Array.isArray(value)) {
    const items = schema.items;
    return value.map((v: unknown) => (items ? applySchemaDefaults(v, items) : cloneJson(v)));
  }
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  const props = schema.properties ?? {};
  for (const key of Object.keys(value)) {
    const child = Object.prototype.hasOwnProperty.call(props, key) ? props[key] : schema.additionalProperties;
    defineOwn(out, key, child ? applySchemaDefaults(value[key], child) : cloneJson(value[key]));
  }
  for (const [key, child] of Object.entries(props)) {
    if (child.default !== undefined && ownValue(out, key) === undefined) {
      defineOwn(out, key, applySchemaDefaults(cloneJson(child.default), child));
    }
  }
  return out;
}

/** An ActionsGateway with every schema default applied (a copy; the input is untouched). */
export function applyActionsGatewayDefaults(ag: ActionsGateway): ActionsGateway & { spec: DefaultedActionsGatewaySpec } {
  return applySchemaDefaults(ag, actionsGatewaySchema) as ActionsGateway & { spec: DefaultedActionsGatewaySpec };
}

/** A RunnerGroup with every schema default applied (a copy). */
export function applyRunnerGroupDefaults(rg: RunnerGroup): RunnerGroup & { spec: DefaultedRunnerGroupSpec } {
  return applySchemaDefaults(rg, runnerGroupSchema) as RunnerGroup & { spec: DefaultedRunnerGroupSpec };
}

/** A RunnerGroup spec with every schema default applied (a copy). */
export function applyRunnerGroupSpecDefaults<T extends RunnerGroupSpec>(spec: T): T & DefaultedRunnerGroupSpec {
  return applySchemaDefaults(spec, runnerGroupSpecSchema) as T & DefaultedRunnerGroupSpec;
}

/** Applies the schema defaults of `obj`'s kind (ActionsGateway or RunnerGroup); other values are copied as they are. */
export function applyDefaults(obj: ActionsGateway): ActionsGateway & { spec: DefaultedActionsGatewaySpec };
export function applyDefaults(obj: RunnerGroup): RunnerGroup & { spec: DefaultedRunnerGroupSpec };
export function applyDefaults(obj: ActionsGateway | RunnerGroup): ActionsGateway | RunnerGroup {
  return obj.kind === 'RunnerGroup' ? applyRunnerGroupDefaults(obj) : applyActionsGatewayDefaults(obj);
}
