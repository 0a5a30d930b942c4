// The PrometheusRule is generated from the two rule files, and the kustomize component renders.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { prometheusRulePath, renderPrometheusRule } from '../../scripts/prometheus-rule.js';
import { monitoringDir, readYaml, root, ruleGroups } from './support.js';

describe('prometheusrule.yaml', () => {
  it('is up to date with the rule files (run `pnpm generate` when this fails)', () => {
    expect(readFileSync(join(root, prometheusRulePath), 'utf8')).toBe(renderPrometheusRule());
  });

  it('is a monitoring.coreos.com/v1 PrometheusRule holding exactly both files’ groups', () => {
    const resource = readYaml(join(root, prometheusRulePath)) as {
      apiVersion: string;
      kind: string;
      spec: { groups: unknown[] };
    };
    expect(resource.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(resource.kind).toBe('PrometheusRule');
    expect(resource.spec.groups).toEqual([...ruleGroups('recording-rules.yaml'), ...ruleGroups('alerts.yaml')]);
  });

  it('names the file when a rule file has no groups', () => {
    const dir = mkdtempSync(join(tmpdir(), 'prometheusrule-'));
    try {
      const monitoring = join(dir, 'deploy', 'monitoring');
      mkdirSync(monitoring, { recursive: true });
      writeFileSync(join(monitoring, 'recording-rules.yaml'), 'groups: []\n');
      writeFileSync(join(monitoring, 'alerts.yaml'), readFileSync(join(monitoringDir, 'alerts.yaml')));
      expect(() => renderPrometheusRule(dir)).toThrow(/deploy\/monitoring\/recording-rules\.yaml: expected a top-level "groups"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

interface RenderedObject {
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels?: Record<string, string> };
  readonly spec?: { readonly endpoints?: unknown; readonly selector?: unknown; readonly namespaceSelector?: unknown };
  readonly data?: Record<string, string>;
}

describe('kustomize component', () => {
  it('renders the ServiceMonitor (port metrics), the PrometheusRule and the dashboard ConfigMap', () => {
    const dir = mkdtempSync(join(tmpdir(), 'monitoring-component-'));
    try {
      writeFileSync(
        join(dir, 'kustomization.yaml'),
        [
          'apiVersion: kustomize.config.k8s.io/v1beta1',
          'kind: Kustomization',
          'namespace: team-a',
          'components:',
          `  - ${relative(dir, monitoringDir)}`,
          '',
        ].join('\n'),
      );
      const result = spawnSync('/usr/bin/kubectl', ['kustomize', dir], { encoding: 'utf8' });
      expect(result.error, 'kubectl is required at /usr/bin/kubectl').toBeUndefined();
      expect(result.status, result.stderr).toBe(0);
      const docs = parseAllDocuments(result.stdout).map((d) => d.toJS() as RenderedObject);
      expect(docs.map((d) => `${d.kind}/${d.metadata.name}@${d.metadata.namespace}`).sort()).toEqual([
        'ConfigMap/actions-gateway-dashboard@team-a',
        'PrometheusRule/actions-gateway@team-a',
        'ServiceMonitor/actions-gateway-gmc@team-a',
        'ServiceMonitor/actions-gateway@team-a',
      ]);
      const monitor = docs.find((d) => d.kind === 'ServiceMonitor' && d.metadata.name === 'actions-gateway')!;
      expect(monitor.spec?.endpoints).toEqual([{ port: 'metrics', interval: '30s' }]);
      expect(monitor.spec?.selector).toEqual({ matchLabels: { app: 'actions-gateway-controller' } });
      // The GMC's monitor finds the manager's metrics Service wherever the component is applied.
      const gmcMonitor = docs.find((d) => d.kind === 'ServiceMonitor' && d.metadata.name === 'actions-gateway-gmc')!;
      expect(gmcMonitor.spec?.endpoints).toEqual([{ port: 'metrics', interval: '30s' }]);
      expect(gmcMonitor.spec).toMatchObject({ namespaceSelector: { matchNames: ['gmc-system'] } });
      const gmcService = parseAllDocuments(readFileSync(join(monitoringDir, '..', 'gmc', 'services.yaml'), 'utf8'))
        .map((d) => d.toJS() as { metadata: { name: string; namespace: string; labels: Record<string, string> }; spec: { ports: { name: string }[] } })
        .find((s) => s.metadata.name === 'gmc-controller-manager-metrics')!;
      expect(gmcService.metadata.namespace).toBe('gmc-system');
      expect(gmcService.metadata.labels).toMatchObject((gmcMonitor.spec?.selector as { matchLabels: Record<string, string> }).matchLabels);
      expect(gmcService.spec.ports.map((p) => p.name)).toContain('metrics');
      const configMap = docs.find((d) => d.kind === 'ConfigMap')!;
      expect(configMap.metadata.labels).toEqual({ grafana_dashboard: '1' });
      expect(configMap.data?.['actions-gateway.json']).toBe(readFileSync(join(monitoringDir, 'dashboard.json'), 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
