import type { ActionsGateway, GatewayBuildInputs } from '../../src/index.js';

/** A sample gateway as stored by the API server (name, namespace, uid, generation). */
export function sampleGateway(patch: (ag: ActionsGateway) => void = () => undefined): ActionsGateway {
  const ag: ActionsGateway = {
    apiVersion: 'actions-gateway.github.com/v1alpha1',
    kind: 'ActionsGateway',
    metadata: { name: 'team-a', namespace: 'team-a', uid: 'uid-1', generation: 3 },
    spec: {
      gitHubAppRef: { name: 'team-a-github-app' },
      gitHubURL: 'https://github.com/team-a-org',
      runnerGroups: [
        { name: 'cpu', runnerLabels: ['self-hosted', 'linux'], podTemplate: { spec: { containers: [{ name: 'runner' }] } } },
        { name: 'gpu', runnerLabels: ['gpu'], acquisitionProtocol: 'Classic', podTemplate: { spec: { containers: [] } } },
      ],
    },
  };
  patch(ag);
  return ag;
}

/** Build inputs around {@link sampleGateway}. */
export function sampleInputs(patch: (ag: ActionsGateway) => void = () => undefined, extra: Partial<GatewayBuildInputs> = {}): GatewayBuildInputs {
  return {
    gateway: sampleGateway(patch),
    agcImage: 'ghcr.io/actions-gateway/agc@sha256:' + 'a'.repeat(64),
    proxyImage: 'ghcr.io/actions-gateway/proxy@sha256:' + 'b'.repeat(64),
    gitHubCidrs: ['192.30.252.0/22', '2a0a:a440::/29'],
    certificates: {
      proxy: { certPem: 'PROXY CERT', keyPem: 'PROXY KEY' },
      metricsServer: { certPem: 'M CERT', keyPem: 'M KEY', caPem: 'CA' },
      metricsClient: { certPem: 'C CERT', keyPem: 'C KEY', caPem: 'CA' },
    },
    ...extra,
  };
}
