// x-kubernetes-validations: CEL rules compiled with @marcbachmann/cel-js, `self`/`oldSelf` typed from the schema.
import { Environment } from '@marcbachmann/cel-js';
import type { Obj } from './json.js';
import { asObj, isObj } from './json.js';

const env = new Environment({ unlistedVariablesAreDyn: false }).registerVariable('self', 'dyn').registerVariable('oldSelf', 'dyn');

/** A compiled rule, or the reason it cannot be used. */
export type CompiledRule = { ok: true; rule: string; run: (self: unknown, oldSelf: unknown) => unknown } | { ok: false; rule: string; error: string };

const cache = new Map<string, CompiledRule>();

/** Parses and type-checks a rule; unknown functions and syntax errors are reported, never ignored. */
export function compileRule(rule: string): CompiledRule {
  const hit = cache.get(rule);
  if (hit) return hit;
  let compiled: CompiledRule;
  try {
    const check = env.check(rule);
    if (!check.valid) compiled = { ok: false, rule, error: String(check.error?.message ?? 'invalid').split('\n')[0]! };
    else compiled = { ok: true, rule, run: (self, oldSelf) => env.evaluate(rule, oldSelf === undefined ? { self } : { self, oldSelf }) as unknown };
  } catch (e) {
    compiled = { ok: false, rule, error: String((e as Error).message).split('\n')[0]! };
  }
  cache.set(rule, compiled);
  return compiled;
}

/** Whether a rule reads `oldSelf` (a transition rule: only checked on update when the old value exists). */
export const isTransitionRule = (rule: string): boolean => /\boldSelf\b/.test(rule);

/** Converts a JSON value to CEL values by the schema: integers become BigInt (CEL `int`), the rest stays. */
export function toCel(v: unknown, schema: Obj | undefined): unknown {
  const s = asObj(schema);
  if (typeof v === 'number') return s.type === 'integer' || (s.type === undefined && Number.isInteger(v) && !s['x-kubernetes-int-or-string']) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map((x) => toCel(x, isObj(s.items) ? s.items : undefined));
  if (isObj(v)) {
    const props = asObj(s.properties);
    const extra = isObj(s.additionalProperties) ? s.additionalProperties : undefined;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toCel(x, isObj(props[k]) ? props[k] : extra)]));
  }
  return v;
}
