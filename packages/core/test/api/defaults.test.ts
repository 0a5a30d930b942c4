import { describe, expect, it } from 'vitest';
import {
  ACTIONS_GATEWAY_DEFAULTS,
  RUNNER_GROUP_DEFAULTS,
  actionsGatewaySpecSchema,
  applyActionsGatewayDefaults,
  applyDefaults,
  applyRunnerGroupSpecDefaults,
  runnerGroupSpecSchema,
  runnerGroupTemplateSchema,
  type ActionsGateway,
  type SchemaNode,
} from '../../src/index.js';

function schemaDefaults(schema: SchemaNode): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(schema.properties ?? {})) if (child.default !== undefined) out[key] = child.default;
  return out;
}

describe('defaults', () => {
  it('RunnerGroup schema defaults are exactly the defaults table', () => {
    expect(schemaDefaults(runnerGroupSpecSchema)).toEqual(RUNNER_GROUP_DEFAULTS);
    expect(schemaDefaults(runnerGroupTemplateSchema)).toEqual(RUNNER_GROUP_DEFAULTS);
    expect(RUNNER_GROUP_DEFAULTS.acquisitionProtocol).toBe('ScaleSet');
    expect(RUNNER_GROUP_DEFAULTS.maxWorkerLifetime).toBe('12h');
  });

  it('ActionsGateway schema defaults are exactly the defaults table', () => {
    const top = schemaDefaults(actionsGatewaySpecSchema);
    expect(top).toEqual({ proxy: {}, securityProfile: ACTIONS_GATEWAY_DEFAULTS.securityProfile });
    const proxy = actionsGatewaySpecSchema.properties?.proxy;
    expect(proxy && schemaDefaults(proxy)).toEqual(ACTIONS_GATEWAY_DEFAULTS.proxy);
  });

  it('applyActionsGatewayDefaults fills the proxy, the profile and every runner group, without mutating', () => {
    const ag: ActionsGateway = {
      apiVersion: 'actions-gateway.github.com/v1alpha1',
      kind: 'ActionsGateway',
      metadata: { name: 'team-a', namespace: 'team-a' },
      spec: {
        gitHubAppRef: { name: 'app' },
        gitHubURL: 'https://github.com/org',
        proxy: { maxReplicas: 4 },
        runnerGroups: [{ name: 'cpu', runnerLabels: ['cpu'], podTemplate: { spec: { containers: [] } }, maxListeners: 3 }],
      },
    };
    const before = structuredClone(ag);
    const out = applyActionsGatewayDefaults(ag);
    expect(ag).toEqual(before);
    expect(out.spec.proxy).toEqual({ ...ACTIONS_GATEWAY_DEFAULTS.proxy, maxReplicas: 4 });
    expect(out.spec.securityProfile).toBe('baseline');
    expect(out.spec.runnerGroups?.[0]).toEqual({
      ...RUNNER_GROUP_DEFAULTS,
      name: 'cpu',
      runnerLabels: ['cpu'],
      podTemplate: { spec: { containers: [] } },
      maxListeners: 3,
    });
  });

  it('a missing proxy is defaulted whole', () => {
    const out = applyActionsGatewayDefaults({
      apiVersion: 'x',
      kind: 'ActionsGateway',
      metadata: {},
      spec: { gitHubAppRef: { name: 'a' }, gitHubURL: 'https://github.com/o' },
    });
    expect(out.spec.proxy).toEqual(ACTIONS_GATEWAY_DEFAULTS.proxy);
  });

  it('applyDefaults dispatches on kind', () => {
    const rg = applyDefaults({ apiVersion: 'v', kind: 'RunnerGroup', metadata: {}, spec: { runnerLabels: ['a'], podTemplate: { spec: { containers: [] } } } });
    expect(rg.spec.acquisitionProtocol).toBe('ScaleSet');
    const ag = applyDefaults({ apiVersion: 'v', kind: 'ActionsGateway', metadata: {}, spec: { gitHubAppRef: { name: 'a' }, gitHubURL: 'https://github.com/o' } });
    expect(ag.spec.securityProfile).toBe('baseline');
  });

  it('applyRunnerGroupSpecDefaults keeps explicit values', () => {
    const out = applyRunnerGroupSpecDefaults({
      runnerLabels: ['a'],
      podTemplate: { spec: { containers: [] } },
      acquisitionProtocol: 'Classic',
      completedPodTTL: '0s',
    });
    expect(out.acquisitionProtocol).toBe('Classic');
    expect(out.completedPodTTL).toBe('0s');
    expect(out.maxWorkerLifetime).toBe('12h');
  });

  it('never lets a __proto__ key reach a prototype', () => {
    const hostile = JSON.parse('{"spec":{"__proto__":{"polluted":true},"gitHubURL":"https://x/y"}}') as ActionsGateway;
    const out = applyActionsGatewayDefaults(hostile) as unknown as { spec: Record<string, unknown> };
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out.spec)).toBe(Object.prototype);
    expect(Object.keys(out.spec)).toContain('__proto__');
  });
});
