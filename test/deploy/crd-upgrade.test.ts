// CRD upgrades are plain `kubectl apply --server-side`: a changed CRD (a new optional field and printer
// column, as a minor release adds) applies over the installed one, the stored gateways survive, and the new
// field is served at once. Also from an install made with client-side `kubectl apply`.
import { type ApiServer, startApiServer } from '@actions-gateway/testkit';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { deployDir, kubectl } from './support.js';

let server: ApiServer;
let dir: string;
let kubeconfig: string;

interface Crd {
  metadata: { name: string };
  spec: { versions: { name: string; additionalPrinterColumns?: unknown[]; schema: { openAPIV3Schema: { properties: { spec: { properties: Record<string, unknown> } } } } }[] };
}

/** The shipped ActionsGateway CRD with one more optional spec field and printer column. */
function upgradedCrd(): string {
  const crd = parse(readFileSync(join(deployDir, 'crds', 'actionsgateways.yaml'), 'utf8')) as Crd;
  const version = crd.spec.versions[0]!;
  version.schema.openAPIV3Schema.properties.spec.properties['costCenter'] = { type: 'string', maxLength: 63, description: 'Added by the upgrade.' };
  version.additionalPrinterColumns = [...(version.additionalPrinterColumns ?? []), { name: 'CostCenter', type: 'string', jsonPath: '.spec.costCenter', priority: 1 }];
  const file = join(dir, 'upgraded-crd.yaml');
  writeFileSync(file, stringify(crd));
  return file;
}

function gateway(extra: Record<string, unknown> = {}): string {
  const file = join(dir, `gateway-${Object.keys(extra).join('-') || 'plain'}.yaml`);
  const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } };
  const ag = {
    apiVersion: 'actions-gateway.github.com/v1alpha1',
    kind: 'ActionsGateway',
    metadata: { name: 'team-a', namespace: 'team-a' },
    spec: { gitHubAppRef: { name: 'team-a-github-app' }, gitHubURL: 'https://github.com/team-a-org', ...extra },
  };
  writeFileSync(file, `${stringify(namespace)}---\n${stringify(ag)}`);
  return file;
}

async function ok(args: string[]): Promise<string> {
  const r = await kubectl(args, kubeconfig);
  if (!r.ok) throw new Error(`kubectl ${args.join(' ')} failed:\n${r.out}`);
  return r.out;
}

const storedSpec = (): Record<string, unknown> | undefined =>
  (server.store.get({ apiVersion: 'actions-gateway.github.com/v1alpha1', kind: 'ActionsGateway', namespace: 'team-a', name: 'team-a' }) as { spec?: Record<string, unknown> } | undefined)?.spec;

beforeEach(async () => {
  server = await startApiServer({ kubelet: false, controllers: false });
  dir = mkdtempSync(join(tmpdir(), 'deploy-crd-'));
  kubeconfig = join(dir, 'kubeconfig');
  server.writeKubeconfig(kubeconfig);
});
afterEach(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('CRD upgrade with kubectl apply --server-side', () => {
  it('applies a changed CRD over the installed one; gateways survive and the new field is served', async () => {
    await ok(['apply', '--server-side', '-k', join(deployDir, 'crds')]);
    await ok(['apply', '--server-side', '-f', gateway()]);
    // Before the upgrade the field is unknown: strict field validation refuses it.
    const early = await kubectl(['apply', '--server-side', '-f', gateway({ costCenter: 'cc-42' })], kubeconfig);
    expect(early.ok).toBe(false);
    expect(early.out).toContain('costCenter');

    expect(await ok(['apply', '--server-side', '-f', upgradedCrd()])).toContain('serverside-applied');
    expect(storedSpec()?.['gitHubURL']).toBe('https://github.com/team-a-org');
    await ok(['apply', '--server-side', '-f', gateway({ costCenter: 'cc-42' })]);
    expect(storedSpec()?.['costCenter']).toBe('cc-42');
    // Re-applying the shipped directory (a downgrade of the schema) is just as plain.
    await ok(['apply', '--server-side', '-k', join(deployDir, 'crds')]);
  });

  it('takes over CRDs first installed with client-side kubectl apply', async () => {
    await ok(['apply', '-k', join(deployDir, 'crds')]);
    await ok(['apply', '--server-side', '-f', gateway()]);
    // One-time move: the fields client-side apply owned are taken over; later upgrades need no force.
    const out = await ok(['apply', '--server-side', '--force-conflicts', '-f', upgradedCrd()]);
    expect(out).toContain('serverside-applied');
    await ok(['apply', '--server-side', '-f', gateway({ costCenter: 'cc-7' })]);
    expect(storedSpec()?.['costCenter']).toBe('cc-7');
  });
});
