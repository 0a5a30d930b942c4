// One tenant of the sandbox: a namespace marked as a tenant, its GitHub App (at the fake, as a Secret for the
// gmc, as files for its agc) and an ActionsGateway with a Classic and a ScaleSet RunnerGroup.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { CreatedApp } from '../github/control.js';

/** A worker image pinned by digest, as production validation wants; the sandbox never pulls it. */
export const SANDBOX_WORKER_IMAGE = `ghcr.io/actions/actions-runner:2.335.1@sha256:${'0'.repeat(64)}`;

/** One tenant's names and labels. */
export interface TenantPlan {
  readonly index: number;
  readonly namespace: string;
  readonly org: string;
  /** `runs-on` labels of the Classic group's jobs. */
  readonly classicLabels: readonly string[];
  /** The ScaleSet group's entry name: the scale set's name, which is what its jobs run on. */
  readonly scaleSetName: string;
  /** The protocol of the second group (`ScaleSet`, or `Classic` when the tier is not there). */
  readonly secondProtocol: 'ScaleSet' | 'Classic';
}

export const APP_SECRET = 'github-app';

/** The plan of tenant `index` (1-based). */
export function tenantPlan(index: number, secondProtocol: 'ScaleSet' | 'Classic'): TenantPlan {
  return { index, namespace: `tenant-${index}`, org: `acme-${index}`, classicLabels: ['self-hosted', 'linux', 'sandbox'], scaleSetName: `scaleset-${index}`, secondProtocol };
}

/** The labels a job of the second group runs on. */
export const secondGroupLabels = (t: TenantPlan): string[] => (t.secondProtocol === 'ScaleSet' ? [t.scaleSetName] : ['self-hosted', 'linux', 'sandbox-second']);

/** The objects of one tenant, in apply order. */
export function tenantObjects(t: TenantPlan, githubUrl: string, app: CreatedApp): KubernetesObject[] {
  const runner = { spec: { containers: [{ name: 'runner', image: SANDBOX_WORKER_IMAGE }] } };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: t.namespace, labels: { 'actions-gateway.github.com/tenant': 'true' } } },
    {
      apiVersion: 'v1', kind: 'Secret', metadata: { name: APP_SECRET, namespace: t.namespace },
      stringData: { appId: String(app.appId), installationId: String(app.installationId), privateKey: app.privateKeyPem },
    } as KubernetesObject,
    {
      apiVersion: 'actions-gateway.github.com/v1alpha1', kind: 'ActionsGateway', metadata: { name: 'gw', namespace: t.namespace },
      spec: {
        gitHubAppRef: { name: APP_SECRET },
        gitHubURL: `${githubUrl}/${t.org}`,
        proxy: { minReplicas: 1, maxReplicas: 1 },
        runnerGroups: [
          { name: 'classic', acquisitionProtocol: 'Classic', runnerLabels: [...t.classicLabels], maxListeners: 5, maxWorkers: 10, podTemplate: runner },
          t.secondProtocol === 'ScaleSet'
            ? { name: t.scaleSetName, acquisitionProtocol: 'ScaleSet', runnerLabels: ['self-hosted', 'linux'], maxWorkers: 10, podTemplate: runner }
            : { name: 'second', acquisitionProtocol: 'Classic', runnerLabels: secondGroupLabels(t), maxListeners: 5, maxWorkers: 10, podTemplate: runner },
        ],
      },
    } as KubernetesObject,
  ];
}

/** Writes the App files the agc reads from `--github-app-dir`; returns the folder. */
export function writeAppFiles(dir: string, app: CreatedApp): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'appId'), String(app.appId), { mode: 0o600 });
  writeFileSync(join(dir, 'installationId'), String(app.installationId), { mode: 0o600 });
  writeFileSync(join(dir, 'privateKey'), app.privateKeyPem, { mode: 0o600 });
  return dir;
}
