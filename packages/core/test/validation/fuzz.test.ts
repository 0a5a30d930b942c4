// Validation must never throw and must always return well-formed findings, whatever it is given.
import { describe, expect, it } from 'vitest';
import { validateActionsGateway, validateRunnerGroup, type ValidationResult } from '../../src/index.js';
import { seededRandom } from '../../../../scripts/seeded-random.js';

const rng = seededRandom;

const keys = [
  'spec', 'metadata', 'namespace', 'name', 'gitHubURL', 'gitHubAppRef', 'proxy', 'minReplicas', 'maxReplicas',
  'runnerGroups', 'runnerLabels', 'podTemplate', 'containers', 'initContainers', 'securityContext', 'privileged',
  'priorityTiers', 'threshold', 'priorityClassName', 'maxWorkers', 'tracing', 'sampler', 'samplerArg',
  'resourceAttributes', 'securityProfile', 'evictionRetryDelay', 'maxWorkerLifetime', 'hostNetwork', 'env',
  'volumes', 'hostPath', 'resources', 'requests', 'cpu', 'annotations', '__proto__', 'constructor', 'prototype',
  'toString', 'hasOwnProperty', '',
];
const strings = ['', 'x', 'https://github.com/o', 'http://', '5s', '-1s', '1.5', 'runner', 'kube-system', 'A_B', '\u0000', 'ü'.repeat(300), 'a'.repeat(5000), '[', '1e309'];

function value(r: () => number, depth: number): unknown {
  const pick = Math.floor(r() * (depth > 5 ? 6 : 10));
  switch (pick) {
    case 0: return null;
    case 1: return undefined;
    case 2: return r() < 0.5;
    case 3: return [0, -1, 1, 2 ** 31, 1.5, Number.NaN, Infinity, -0, 5, 100][Math.floor(r() * 10)];
    case 4: return strings[Math.floor(r() * strings.length)];
    case 5: return Math.floor(r() * 1000);
    case 6:
    case 7: {
      const n = Math.floor(r() * 6);
      return Array.from({ length: n }, () => value(r, depth + 1));
    }
    default: {
      const o: Record<string, unknown> = {};
      const n = Math.floor(r() * 6);
      for (let i = 0; i < n; i++) {
        Object.defineProperty(o, keys[Math.floor(r() * keys.length)] as string, { value: value(r, depth + 1), enumerable: true, writable: true, configurable: true });
      }
      return o;
    }
  }
}

/** A mostly valid gateway with one random subtree replaced, so the deep checks are reached. */
function mutatedGateway(r: () => number): unknown {
  const ag = {
    metadata: { name: 'a', namespace: 'team-a' },
    spec: {
      gitHubAppRef: { name: 'app' },
      gitHubURL: 'https://github.com/o',
      proxy: { minReplicas: 2 },
      runnerGroups: [{ name: 'cpu', runnerLabels: ['x'], priorityTiers: [{ priorityClassName: 'p', threshold: 3 }], podTemplate: { spec: { containers: [{ name: 'runner' }] } } }],
      tracing: { endpoint: 'x' },
    },
  };
  const paths: Array<[Record<string, unknown>, string]> = [
    [ag, 'spec'], [ag.spec, 'proxy'], [ag.spec, 'runnerGroups'], [ag.spec.runnerGroups[0] as Record<string, unknown>, 'podTemplate'],
    [ag.spec.runnerGroups[0] as Record<string, unknown>, 'priorityTiers'], [ag.spec, 'tracing'], [ag, 'metadata'],
    [ag.spec.runnerGroups[0]?.podTemplate.spec as Record<string, unknown>, 'containers'], [ag.spec, 'gitHubURL'],
  ];
  const [target, key] = paths[Math.floor(r() * paths.length)] as [Record<string, unknown>, string];
  target[key] = value(r, 2);
  return ag;
}

/** Why a result is malformed, or undefined when it is fine (checked without expect() to keep the loop fast). */
function malformed(result: ValidationResult): string | undefined {
  if (result.valid !== (result.violations.length === 0)) return 'valid disagrees with violations';
  for (const v of [...result.violations, ...result.warnings]) {
    if (typeof v.path !== 'string' || typeof v.message !== 'string' || v.message === '') return `bad finding ${JSON.stringify(v)}`;
    if (v.rule === 'internal') return v.message;
  }
  return undefined;
}

describe('validation fuzz', () => {
  it('never throws on 12,000 seeded random values (and never pollutes prototypes)', () => {
    const r = rng(20261124);
    const problems: string[] = [];
    const wellFormed = (result: ValidationResult): void => {
      const problem = malformed(result);
      if (problem) problems.push(problem);
    };
    for (let i = 0; i < 12_000; i++) {
      const input = i % 2 === 0 ? value(r, 0) : mutatedGateway(r);
      const old = value(r, 3);
      wellFormed(validateActionsGateway(input, { operation: i % 3 === 0 ? 'UPDATE' : 'CREATE', oldObject: old, allowedPriorityClasses: i % 5 === 0 ? [] : undefined }));
      wellFormed(validateRunnerGroup(input));
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('privileged');
  });

  it('handles huge inputs within bounds', () => {
    const groups = Array.from({ length: 5000 }, (_, i) => ({ name: `g${i}`, runnerLabels: ['x'], podTemplate: { spec: {} } }));
    const result = validateActionsGateway({ metadata: {}, spec: { gitHubAppRef: { name: 'a' }, gitHubURL: 'https://github.com/' + 'o'.repeat(1_000_000), runnerGroups: groups } });
    expect(result.violations.map((v) => v.rule)).toEqual(expect.arrayContaining(['maxItems', 'maxLength']));
  });

  it('reports non-objects at the root', () => {
    for (const v of [null, undefined, 5, 'x', [], true]) {
      const result = validateActionsGateway(v);
      expect(result.violations).toEqual([expect.objectContaining({ path: '', rule: 'object' })]);
    }
  });
});
