import { describe, expect, it } from 'vitest';
import {
  applyActionsGatewayDefaults,
  buildProxyDeployment,
  buildProxyHpa,
  buildProxyPdb,
  buildProxyService,
  proxyResources,
  type Container,
  type PodSpec,
} from '../../src/index.js';
import { sampleGateway } from './fixtures.js';

const tls = { certPem: 'CERT', keyPem: 'KEY' };
const ag = applyActionsGatewayDefaults(sampleGateway((a) => (a.spec.proxy = { minReplicas: 3, maxReplicas: 7, resources: { requests: { memory: '48Mi' } } })));

describe('proxy Deployment', () => {
  it('sets replicas = minReplicas on create only: patches leave the count to the HPA', () => {
    const create = buildProxyDeployment(ag, ag.spec.proxy, 'proxy:1', tls, { forCreate: true });
    const patch = buildProxyDeployment(ag, ag.spec.proxy, 'proxy:1', tls, { forCreate: false });
    expect((create.spec as Record<string, unknown>).replicas).toBe(3);
    expect(patch.spec).not.toHaveProperty('replicas');
    const { replicas: _replicas, ...rest } = create.spec as Record<string, unknown>;
    expect(rest).toEqual(patch.spec);
  });

  it('merges spec.proxy.resources per key over the defaults', () => {
    expect(proxyResources(ag.spec.proxy.resources)).toEqual({ requests: { cpu: '10m', memory: '48Mi' }, limits: { cpu: '500m', memory: '64Mi' } });
    const d = buildProxyDeployment(ag, ag.spec.proxy, 'proxy:1', tls, { forCreate: false });
    const pod = (d.spec as { template: { spec: PodSpec } }).template.spec;
    const container = pod.containers[0] as Container;
    expect(container.resources?.requests?.cpu).toBe('10m');
    expect(container.image).toBe('proxy:1');
    expect(container.ports?.map((p) => [p.name, p.containerPort])).toEqual([['proxy', 8080], ['health', 8081]]);
    expect(container.env?.find((e) => e.name === 'PROXY_TLS_CERT_FILE')?.value).toBe('/etc/actions-gateway/proxy-tls/tls.crt');
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  it('rolls the pods when the certificate changes', () => {
    const a = buildProxyDeployment(ag, ag.spec.proxy, 'p', tls, { forCreate: false });
    const b = buildProxyDeployment(ag, ag.spec.proxy, 'p', { ...tls, certPem: 'RENEWED' }, { forCreate: false });
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(b));
  });
});

describe('proxy Service, PDB, HPA', () => {
  it('Service selects the proxy pods on port proxy 8080', () => {
    const svc = buildProxyService(ag);
    expect(svc.spec).toMatchObject({ type: 'ClusterIP', selector: { app: 'actions-gateway-proxy' } });
    expect((svc.spec as { ports: unknown[] }).ports[0]).toEqual({ name: 'proxy', port: 8080, targetPort: 8080, protocol: 'TCP' });
  });

  it('PDB keeps one proxy', () => {
    expect(buildProxyPdb(ag).spec).toEqual({ minAvailable: 1, selector: { matchLabels: { app: 'actions-gateway-proxy' } } });
  });

  it('HPA scales the Deployment between min and max on CPU', () => {
    expect(buildProxyHpa(ag, ag.spec.proxy).spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'actions-gateway-proxy' },
      minReplicas: 3,
      maxReplicas: 7,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }],
    });
  });
});
