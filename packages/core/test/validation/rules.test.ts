import { describe, expect, it } from 'vitest';
import {
  ALLOW_PROFILE_DOWNGRADE_ANNOTATION,
  MAX_SPARE_AGENTS,
  validateActionsGateway,
  validateRunnerGroup,
  type ActionsGateway,
  type RunnerGroup,
} from '../../src/index.js';

function gateway(patch: (ag: ActionsGateway) => void = () => undefined): ActionsGateway {
  const ag: ActionsGateway = {
    apiVersion: 'actions-gateway.github.com/v1alpha1',
    kind: 'ActionsGateway',
    metadata: { name: 'team-a', namespace: 'team-a' },
    spec: {
      gitHubAppRef: { name: 'app' },
      gitHubURL: 'https://github.com/org',
      runnerGroups: [{ name: 'cpu', runnerLabels: ['linux'], podTemplate: { spec: { containers: [{ name: 'runner' }] } } }],
    },
  };
  patch(ag);
  return ag;
}

function runnerGroup(patch: (rg: RunnerGroup) => void = () => undefined): RunnerGroup {
  const rg: RunnerGroup = {
    apiVersion: 'actions-gateway.github.com/v1alpha1',
    kind: 'RunnerGroup',
    metadata: { name: 'team-a-cpu', namespace: 'team-a' },
    spec: { runnerLabels: ['linux'], podTemplate: { spec: { containers: [{ name: 'runner', securityContext: { privileged: true } }] } } },
  };
  patch(rg);
  return rg;
}

const rules = (r: { violations: readonly { rule: string }[] }): string[] => r.violations.map((v) => v.rule);

describe('validateActionsGateway', () => {
  it('accepts a minimal gateway', () => {
    expect(validateActionsGateway(gateway())).toEqual({ valid: true, violations: [], warnings: [] });
  });

  it('accepts GHES and repository URLs', () => {
    for (const url of ['https://ghes.example.com/org', 'https://github.com/org/repo', 'https://github.com/org/']) {
      expect(validateActionsGateway(gateway((ag) => (ag.spec.gitHubURL = url))).valid).toBe(true);
    }
  });

  it('checks the reserved namespace only on CREATE, and honours context.reservedNamespaces and namespace', () => {
    const inGmc = gateway((ag) => (ag.metadata.namespace = 'platform'));
    expect(validateActionsGateway(inGmc, { reservedNamespaces: ['platform'] }).valid).toBe(false);
    expect(validateActionsGateway(inGmc, { reservedNamespaces: ['platform'], operation: 'UPDATE' }).valid).toBe(true);
    expect(rules(validateActionsGateway(gateway(), { namespace: 'kube-public' }))).toEqual(['reservedNamespace']);
  });

  it('allows a privileged worker only under the privileged profile when the platform enables it', () => {
    const priv = (profile: 'privileged' | 'baseline'): ActionsGateway =>
      gateway((ag) => {
        ag.spec.securityProfile = profile;
        const c = ag.spec.runnerGroups?.[0]?.podTemplate.spec.containers?.[0];
        if (c) c.securityContext = { privileged: true };
      });
    expect(validateActionsGateway(priv('privileged'), { allowPrivilegedWorkers: true }).valid).toBe(true);
    expect(rules(validateActionsGateway(priv('baseline'), { allowPrivilegedWorkers: true }))).toEqual(['privileged']);
    expect(rules(validateActionsGateway(priv('privileged')))).toEqual(['privileged']);
  });

  it('hostPath volumes need the privileged profile; reserved volume names are refused', () => {
    const ag = gateway((a) => {
      const spec = a.spec.runnerGroups?.[0]?.podTemplate.spec;
      if (spec) spec.volumes = [{ name: 'docker', hostPath: { path: '/var/run/docker.sock' } }, { name: 'job-payload', emptyDir: {} }];
    });
    expect(rules(validateActionsGateway(ag)).sort()).toEqual(['hostPath', 'reservedVolume']);
  });

  it('skips the PriorityClass allowlist when none is given; an empty list refuses every tier', () => {
    const ag = gateway((a) => {
      const g = a.spec.runnerGroups?.[0];
      if (g) g.priorityTiers = [{ priorityClassName: 'ci', threshold: 3 }];
    });
    expect(validateActionsGateway(ag).valid).toBe(true);
    const refused = validateActionsGateway(ag, { allowedPriorityClasses: [] });
    expect(refused.violations[0]?.message).toContain('no PriorityClass is allowed');
  });

  it('refuses a profile downgrade on UPDATE unless annotated; an absent profile counts as baseline', () => {
    const old = gateway((ag) => (ag.spec.securityProfile = 'restricted'));
    expect(rules(validateActionsGateway(gateway(), { operation: 'UPDATE', oldObject: old }))).toEqual(['profileDowngrade']);
    const annotated = gateway((ag) => (ag.metadata.annotations = { [ALLOW_PROFILE_DOWNGRADE_ANNOTATION]: 'true' }));
    expect(validateActionsGateway(annotated, { operation: 'UPDATE', oldObject: old }).valid).toBe(true);
    const up = gateway((ag) => (ag.spec.securityProfile = 'restricted'));
    expect(validateActionsGateway(up, { operation: 'UPDATE', oldObject: gateway() }).valid).toBe(true);
  });

  it('warns (without refusing) about proxy requests without cpu and tracing without an endpoint', () => {
    const ag = gateway((a) => {
      a.spec.proxy = { resources: { requests: { memory: '64Mi' } } };
      a.spec.tracing = { sampler: 'always_on', samplerArg: '0.5' };
    });
    const result = validateActionsGateway(ag);
    expect(result.valid).toBe(true);
    expect(result.warnings.map((w) => w.rule).sort()).toEqual(['proxyCpuRequest', 'samplerArgIgnored', 'tracingDisabled']);
  });

  it('reports every violation at once, each naming its field', () => {
    const ag = gateway((a) => {
      a.spec.gitHubURL = 'https://github.com';
      a.spec.proxy = { minReplicas: 0 };
      a.spec.tracing = { endpoint: 'x', samplerArg: '2' };
    });
    const result = validateActionsGateway(ag, { namespace: 'kube-system' });
    expect(result.violations.map((v) => v.path).sort()).toEqual([
      'metadata.namespace',
      'spec.gitHubURL',
      'spec.proxy.minReplicas',
      'spec.tracing.samplerArg',
    ]);
    for (const v of result.violations) expect(v.message).toContain(v.path);
  });

  it('reports wrong types and unknown fields (as warnings)', () => {
    const result = validateActionsGateway({ ...gateway(), spec: { ...gateway().spec, proxy: { minReplicas: '2', bogus: 1 } } });
    expect(result.violations).toEqual([expect.objectContaining({ path: 'spec.proxy.minReplicas', rule: 'type' })]);
    expect(result.warnings).toEqual([expect.objectContaining({ path: 'spec.proxy.bogus', rule: 'unknownField' })]);
  });
});

describe('validateRunnerGroup', () => {
  it('judges privileged workers by context.securityProfile', () => {
    expect(rules(validateRunnerGroup(runnerGroup()))).toEqual(['privileged']);
    expect(validateRunnerGroup(runnerGroup(), { securityProfile: 'privileged', allowPrivilegedWorkers: true }).valid).toBe(true);
  });

  it('checks tiers, maxWorkers, durations and reserved fields', () => {
    const rg = runnerGroup((r) => {
      r.spec.podTemplate.spec = { containers: [], hostPID: true, restartPolicy: 'Always', activeDeadlineSeconds: 5 };
      r.spec.priorityTiers = [
        { priorityClassName: 'a', threshold: 10 },
        { priorityClassName: 'b', threshold: 4 },
      ];
      r.spec.maxWorkers = 10;
      r.spec.completedPodTTL = '0s';
      r.spec.pendingPodDeadline = '0s';
    });
    const found = validateRunnerGroup(rg).violations.map((v) => `${v.path} ${v.rule}`);
    expect(found.sort()).toEqual([
      'spec.maxWorkers maxWorkersMatchesTiers',
      'spec.pendingPodDeadline durationRange',
      'spec.podTemplate.spec.activeDeadlineSeconds reservedField',
      'spec.podTemplate.spec.hostPID reservedField',
      'spec.podTemplate.spec.restartPolicy reservedField',
      'spec.priorityTiers[1].threshold ascending',
    ]);
  });

  it('refuses a name that cannot be a label value', () => {
    const long = runnerGroup((r) => {
      r.metadata.name = 'x'.repeat(64);
      r.spec.podTemplate.spec.containers = [];
    });
    expect(validateRunnerGroup(long).violations).toEqual([expect.objectContaining({ path: 'metadata.name', rule: 'pattern' })]);
  });

  it('bounds spareAgents to a whole number from 0 to MAX_SPARE_AGENTS, naming the field', () => {
    const judged = (spareAgents: unknown) =>
      validateRunnerGroup(
        runnerGroup((r) => {
          r.spec.podTemplate.spec.containers = [];
          Object.assign(r.spec, { spareAgents });
        }),
      ).violations.map((v) => ({ path: v.path, rule: v.rule, named: v.message.includes('spec.spareAgents') }));
    expect(judged(0)).toEqual([]);
    expect(judged(MAX_SPARE_AGENTS)).toEqual([]);
    expect(judged(MAX_SPARE_AGENTS + 1)).toEqual([{ path: 'spec.spareAgents', rule: 'maximum', named: true }]);
    expect(judged(-1)).toEqual([{ path: 'spec.spareAgents', rule: 'minimum', named: true }]);
    expect(judged(1.5)).toEqual([expect.objectContaining({ path: 'spec.spareAgents', named: true })]);
    expect(judged('4')).toEqual([{ path: 'spec.spareAgents', rule: 'type', named: true }]);
  });

  it('requires runnerLabels and podTemplate', () => {
    const result = validateRunnerGroup({ metadata: {}, spec: {} });
    expect(result.violations.map((v) => v.path).sort()).toEqual(['spec.podTemplate', 'spec.runnerLabels']);
  });
});
