// The generated CRDs: no drift from the schemas, structurally valid, CEL within the subset the testkit
// evaluates and within the API server's cost rules, and kustomize-buildable.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { renderCrdFiles } from '../../../../scripts/render-crds.js';
import { ACTIONS_GATEWAY_DEFAULTS, RUNNER_GROUP_DEFAULTS, actionsGatewayCrd, runnerGroupCrd } from '../../src/index.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

type Node = Record<string, unknown>;

/** Keywords a structural schema may not use (apiextensions v1), plus core's own x-ag-* annotations. */
const forbidden = ['$ref', '$schema', 'id', 'definitions', 'dependencies', 'patternProperties', 'additionalItems', 'uniqueItems', 'not', 'allOf', 'oneOf'];

/** Every schema node with its path. */
function* nodes(node: Node, path = ''): Generator<[string, Node]> {
  yield [path, node];
  const props = node.properties as Record<string, Node> | undefined;
  for (const [k, v] of Object.entries(props ?? {})) yield* nodes(v, `${path}.${k}`);
  if (node.items) yield* nodes(node.items as Node, `${path}[]`);
  if (node.additionalProperties && typeof node.additionalProperties === 'object') yield* nodes(node.additionalProperties as Node, `${path}{}`);
}

function schemaOf(crd: Node): Node {
  const versions = (crd.spec as Node).versions as Node[];
  return ((versions[0] as Node).schema as Node).openAPIV3Schema as Node;
}

/** The CEL the testkit API server evaluates: no indexing, no macros beyond all/exists, no other functions. */
function celWithinSubset(rule: string): string | undefined {
  if (/\[/.test(rule)) return 'list indexing';
  for (const m of rule.matchAll(/\.?([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)) {
    const fn = m[1] as string;
    const dotted = m[0].startsWith('.');
    const allowed = dotted ? ['all', 'exists', 'matches', 'startsWith'] : ['has', 'size', 'duration', 'int', 'string'];
    if (!allowed.includes(fn)) return `function ${fn}`;
  }
  return undefined;
}

describe('deploy/crds', () => {
  it('is what `pnpm generate` renders (run it after changing the schemas)', () => {
    for (const { path, content } of renderCrdFiles()) expect(readFileSync(`${root}${path}`, 'utf8'), path).toBe(content);
  });

  it('parses as one document per file with the expected kinds', () => {
    for (const { path, content } of renderCrdFiles()) {
      const docs = parseAllDocuments(content);
      expect(docs, path).toHaveLength(1);
      expect(docs[0]?.errors, path).toEqual([]);
    }
  });

  /** The committed YAML, parsed: the structural checks run on what `kubectl apply` would send. */
  const committed = (file: string): Node => parse(readFileSync(`${root}deploy/crds/${file}`, 'utf8')) as Node;

  it('the committed YAML is the CRD objects core exports', () => {
    expect(committed('actionsgateways.yaml')).toEqual(actionsGatewayCrd());
    expect(committed('runnergroups.yaml')).toEqual(runnerGroupCrd());
  });

  for (const [name, file] of [['ActionsGateway', 'actionsgateways.yaml'], ['RunnerGroup', 'runnergroups.yaml']] as const) {
    describe(name, () => {
      const crd = committed(file);
      const schema = schemaOf(crd);

      it('is namespaced, v1alpha1 served and stored, with status, short name and category', () => {
        const spec = crd.spec as Node;
        expect(spec.scope).toBe('Namespaced');
        const version = (spec.versions as Node[])[0] as Node;
        expect(version).toMatchObject({ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} } });
        expect((spec.names as Node).categories).toEqual(['actions-gateway']);
        expect((spec.names as Node).shortNames).toEqual([name === 'ActionsGateway' ? 'ag' : 'rg']);
      });

      it('is structural: every node typed (or int-or-string), no forbidden keywords, no x-ag-*', () => {
        for (const [path, node] of nodes(schema)) {
          if (!node['x-kubernetes-int-or-string']) expect(node.type, `${path} has a type`).toBeTypeOf('string');
          for (const key of Object.keys(node)) {
            expect(forbidden.includes(key) || key.startsWith('x-ag-'), `${path}: ${key}`).toBe(false);
          }
          if (node.properties) expect(node.additionalProperties, `${path}: properties and additionalProperties`).toBeUndefined();
          if (node.type === 'array') expect(node.items, `${path} has items`).toBeDefined();
          if (node['x-kubernetes-list-type'] === 'map') {
            const keys = node['x-kubernetes-list-map-keys'] as string[];
            const item = node.items as Node;
            for (const k of keys) expect(item.required, `${path}: map key ${k} is required`).toContain(k);
          }
        }
      });

      it('keeps every CEL rule within the testkit subset and bounds what the rules walk', () => {
        let count = 0;
        for (const [path, node] of nodes(schema)) {
          for (const { rule } of (node['x-kubernetes-validations'] as Array<{ rule: string }> | undefined) ?? []) {
            count++;
            expect(celWithinSubset(rule), `${path}: ${rule}`).toBeUndefined();
            if (node.type === 'string') expect(node.maxLength, `${path} maxLength`).toBeTypeOf('number');
            const props = (node.properties ?? {}) as Record<string, Node>;
            for (const [k, child] of Object.entries(props)) {
              if (rule.includes(`self.${k}.`) && child.type === 'array') expect(child.maxItems, `${path}.${k} maxItems`).toBeTypeOf('number');
            }
          }
        }
        expect(count).toBeGreaterThan(0);
      });
    });
  }

  it('carries the defaults table in the CRD', () => {
    const ag = schemaOf(actionsGatewayCrd());
    const proxy = ((ag.properties as Record<string, Node>).spec?.properties as Record<string, Node>).proxy as Node;
    const minReplicas = (proxy.properties as Record<string, Node>).minReplicas as Node;
    expect(minReplicas.default).toBe(ACTIONS_GATEWAY_DEFAULTS.proxy.minReplicas);
    const rg = schemaOf(runnerGroupCrd());
    const spec = (rg.properties as Record<string, Node>).spec as Node;
    const protocol = (spec.properties as Record<string, Node>).acquisitionProtocol as Node;
    expect(protocol.default).toBe(RUNNER_GROUP_DEFAULTS.acquisitionProtocol);
  });

  it('builds with kubectl kustomize', () => {
    const out = execFileSync('/usr/bin/kubectl', ['kustomize', `${root}deploy/crds`], { encoding: 'utf8' });
    expect(out).toContain('name: actionsgateways.actions-gateway.github.com');
    expect(out).toContain('name: runnergroups.actions-gateway.github.com');
  });
});
