import { describe, expect, it } from 'vitest';
import {
  AGC_RESOURCES,
  agcExtraEnvFrom,
  applyActionsGatewayDefaults,
  buildAgcDeployment,
  buildAgcService,
  type Container,
  type EnvVar,
  type KubeObject,
  type PodSpec,
} from '../../src/index.js';
import { sampleGateway } from './fixtures.js';

const proxyTls = { certPem: 'CERT', keyPem: 'KEY' };

function podSpec(deployment: KubeObject): PodSpec {
  return (deployment.spec as { template: { spec: PodSpec } }).template.spec;
}

function agcContainer(deployment: KubeObject): Container {
  return podSpec(deployment).containers[0] as Container;
}

describe('AGC Deployment', () => {
  const ag = applyActionsGatewayDefaults(sampleGateway((a) => (a.spec.proxy = { noProxyCIDRs: ['10.0.0.0/8'] })));
  const deployment = buildAgcDeployment(ag, 'agc:1', proxyTls);
  const container = agcContainer(deployment);

  it('serves metrics on :8080 (port "metrics") and health on :8081', () => {
    expect(container.ports).toEqual([
      { name: 'metrics', containerPort: 8080, protocol: 'TCP' },
      { name: 'health', containerPort: 8081, protocol: 'TCP' },
    ]);
  });

  it('hands the GMC\'s worker image to the AGC as WORKER_IMAGE only when the GMC has one; AGC_EXTRA_ still wins', () => {
    expect(container.env?.some((e) => e.name === 'WORKER_IMAGE')).toBe(false);
    const withWorker = agcContainer(buildAgcDeployment(ag, 'agc:1', proxyTls, [], { workerImage: 'worker@sha256:1' }));
    expect(withWorker.env?.filter((e) => e.name === 'WORKER_IMAGE')).toEqual([{ name: 'WORKER_IMAGE', value: 'worker@sha256:1' }]);
    const overridden = agcContainer(buildAgcDeployment(ag, 'agc:1', proxyTls, [{ name: 'WORKER_IMAGE', value: 'dev' }], { workerImage: 'worker@sha256:1' }));
    expect(overridden.env?.filter((e) => e.name === 'WORKER_IMAGE')).toEqual([{ name: 'WORKER_IMAGE', value: 'dev' }]);
  });

  it('has resource requests and limits', () => {
    expect(container.resources).toEqual(AGC_RESOURCES);
    expect(container.resources?.requests?.cpu).toBeDefined();
    expect(container.resources?.limits?.memory).toBeDefined();
  });

  it('sets the seed env in order', () => {
    const env = container.env as EnvVar[];
    expect(env.map((e) => e.name)).toEqual([
      'POD_NAMESPACE',
      'WORKER_SERVICE_ACCOUNT',
      'GITHUB_ORG_URL',
      'HTTP_PROXY',
      'HTTPS_PROXY',
      'NO_PROXY',
      'PROXY_TLS_SECRET_NAME',
      'SECURITY_PROFILE',
      'GITHUB_RUNNER_VERSION',
    ]);
    const value = (n: string): string | undefined => env.find((e) => e.name === n)?.value;
    expect(value('HTTPS_PROXY')).toBe('https://actions-gateway-proxy.team-a.svc.cluster.local:8080');
    expect(value('NO_PROXY')).toBe('10.0.0.0/8,svc.cluster.local,localhost,127.0.0.1,10.96.0.0/12');
    expect(value('SECURITY_PROFILE')).toBe('baseline');
    expect(value('GITHUB_ORG_URL')).toBe('https://github.com/team-a-org');
  });

  it('runs one replica with Recreate, hardened, as the AGC ServiceAccount', () => {
    const spec = deployment.spec as Record<string, unknown>;
    expect(spec.replicas).toBe(1);
    expect(spec.strategy).toEqual({ type: 'Recreate' });
    const pod = podSpec(deployment);
    expect(pod.serviceAccountName).toBe('actions-gateway-controller');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.terminationGracePeriodSeconds).toBe(60);
    expect(container.securityContext).toEqual({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  it('labels pods as workload and annotates the App Secret name (a change rolls the AGC)', () => {
    const template = (deployment.spec as { template: { metadata: { labels: Record<string, string>; annotations: Record<string, string> } } }).template;
    expect(template.metadata.labels).toMatchObject({ app: 'actions-gateway-controller', 'actions-gateway/component': 'workload' });
    expect(template.metadata.annotations['actions-gateway/github-app-secret']).toBe('team-a-github-app');
    const rotated = buildAgcDeployment(applyActionsGatewayDefaults(sampleGateway((a) => (a.spec.gitHubAppRef.name = 'new'))), 'agc:1', proxyTls);
    expect(JSON.stringify(rotated)).not.toBe(JSON.stringify(deployment));
  });

  it('mounts the App Secret and only the proxy certificate', () => {
    const volumes = podSpec(deployment).volumes ?? [];
    expect(volumes.find((v) => v.name === 'github-app-credentials')).toEqual({ name: 'github-app-credentials', secret: { secretName: 'team-a-github-app', defaultMode: 0o440 } });
    expect(volumes.find((v) => v.name === 'proxy-ca')).toMatchObject({ secret: { secretName: 'actions-gateway-proxy-tls', items: [{ key: 'tls.crt', path: 'tls.crt' }] } });
  });

  it('is owned by the gateway', () => {
    expect(deployment.metadata.ownerReferences).toEqual([
      { apiVersion: 'actions-gateway.github.com/v1alpha1', kind: 'ActionsGateway', name: 'team-a', uid: 'uid-1', controller: true, blockOwnerDeletion: true },
    ]);
  });
});

describe('AGC metrics Service', () => {
  it('is actions-gateway-controller, labelled app, with port "metrics" 8080', () => {
    const svc = buildAgcService(sampleGateway());
    expect(svc.metadata.name).toBe('actions-gateway-controller');
    expect(svc.metadata.labels?.app).toBe('actions-gateway-controller');
    expect(svc.spec).toEqual({
      type: 'ClusterIP',
      selector: { app: 'actions-gateway-controller' },
      ports: [{ name: 'metrics', port: 8080, targetPort: 'metrics', protocol: 'TCP' }],
    });
  });
});

describe('agcExtraEnvFrom', () => {
  const processEnv = { AGC_EXTRA_B: '2', AGC_EXTRA_A: '1', AGC_EXTRA_: 'x', PATH: '/bin', AGC_EXTRA_OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317' };

  it('passes nothing through unless allowed', () => {
    expect(agcExtraEnvFrom(processEnv, false)).toEqual([]);
  });

  it('strips the prefix and sorts by name when allowed', () => {
    expect(agcExtraEnvFrom(processEnv, true)).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
      { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://c:4317' },
    ]);
  });
});
