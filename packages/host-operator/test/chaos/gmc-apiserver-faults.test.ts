// Chaos: the gmc under API-server faults (5 % of requests failing with 500/409/429, watches cut every few
// seconds, some watches hung silently) while tenants come and go; after the faults stop it must converge:
// every gateway Ready with its whole inventory, the deleted one torn down, nothing duplicated.
// `AG_CHAOS=full` (pnpm test:chaos) runs the long form; `pnpm test` runs the reduced one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomObjectsApi, type KubernetesObject } from '@kubernetes/client-node';
import { withFaultWindow } from '@actions-gateway/testkit';
import { startGmc, type GmcProcess } from '../../src/index.js';
import { gmcArgs, gmcProcessEnv, sampleGateway, startGmcEnv, tenant, tenantInventory, type GmcEnv } from '../support/gmc-env.js';
import { waitFor } from '../support/scripted-watch-server.js';

const full = process.env['AG_CHAOS'] === 'full';
const plan = full
  ? { tenants: 20, faultMs: 60_000, cutEveryMs: 10_000, idleTimeoutMs: undefined }
  : { tenants: 5, faultMs: 8_000, cutEveryMs: 2_000, idleTimeoutMs: 3_000 };
/** The bound on convergence once the faults stop. */
const CONVERGE_BOUND_MS = 120_000;

let env: GmcEnv;
let gmc: GmcProcess;
let custom: CustomObjectsApi;

beforeAll(async () => {
  env = await startGmcEnv();
  custom = env.server.kubeConfig.makeApiClient(CustomObjectsApi);
  const started = await startGmc(gmcArgs(env, ['--zap-log-level', 'error']), gmcProcessEnv, plan.idleTimeoutMs ? { informer: { idleTimeoutMs: plan.idleTimeoutMs } } : {});
  if ('help' in started) throw new Error('unexpected help');
  gmc = started;
}, 60_000);
afterAll(async () => {
  await gmc?.shutdown();
  await env?.close();
});

type Obj = KubernetesObject & { status?: { conditions?: { type: string; status: string }[] } };
const GROUP = 'actions-gateway.github.com';
const gateway = (ns: string): Obj | undefined => env.server.store.get({ apiVersion: `${GROUP}/v1alpha1`, kind: 'ActionsGateway', namespace: ns, name: 'gw' });
const ready = (ns: string): boolean => gateway(ns)?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const inventoryComplete = (ns: string): boolean => tenantInventory.every(([apiVersion, kind, name]) => env.server.store.get({ apiVersion, kind, namespace: ns, name }) !== undefined);
const inventoryGone = (ns: string): boolean =>
  tenantInventory.filter(([, kind]) => kind !== 'Secret').every(([apiVersion, kind, name]) => env.server.store.get({ apiVersion, kind, namespace: ns, name }) === undefined);
const runnerGroups = (ns: string): number => env.server.store.list(`${GROUP}/v1alpha1`, 'RunnerGroup', ns).length;

/** The test's own calls meet the same faults: retry them (a real client would too). */
async function persist<T>(call: () => Promise<T>, what: string): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code === 409 && what.startsWith('create')) return undefined as T; // an earlier attempt landed
      if (code === 404 && what.startsWith('delete')) return undefined as T;
      if (attempt >= 50) throw new Error(`${what}: still failing after ${attempt} attempts`, { cause: err });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe(`chaos: gmc under API-server faults (${full ? 'full' : 'reduced'})`, () => {
  it('converges after the faults stop: every gateway Ready, the deleted one torn down, nothing lost or doubled', async () => {
    // One tenant exists before the faults and is deleted during them.
    await tenant(env, 'chaos-doomed');
    await env.objects.create(sampleGateway('chaos-doomed'));
    await waitFor(() => ready('chaos-doomed'), 30_000, 'the first gateway Ready before the faults');

    const names = Array.from({ length: plan.tenants }, (_, i) => `chaos-${i}`);
    const { injected, cuts } = await withFaultWindow(env.server.faults, { durationMs: plan.faultMs, cutEveryMs: plan.cutEveryMs }, async () => {
      for (const ns of names) {
        await persist(() => tenant(env, ns, false), `create namespace ${ns}`);
        await persist(() => env.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'app' }, stringData: { appId: '1', installationId: '2', privateKey: 'k' } } }), `create secret ${ns}`);
        await persist(() => env.objects.create(sampleGateway(ns)), `create gateway ${ns}`);
      }
      await persist(() => custom.deleteNamespacedCustomObject({ group: GROUP, version: 'v1alpha1', namespace: 'chaos-doomed', plural: 'actionsgateways', name: 'gw' }), 'delete the doomed gateway');
    });

    const stoppedAt = Date.now();
    const converged = (): boolean => names.every((ns) => ready(ns) && inventoryComplete(ns)) && gateway('chaos-doomed') === undefined && inventoryGone('chaos-doomed');
    await waitFor(converged, CONVERGE_BOUND_MS, 'convergence after the faults stopped').catch((err: unknown) => {
      const state = [...names, 'chaos-doomed'].map((ns) => {
        const missing = tenantInventory.filter(([apiVersion, kind, name]) => env.server.store.get({ apiVersion, kind, namespace: ns, name }) === undefined).map(([, k, n]) => `${k}/${n}`);
        return `${ns}: exists=${gateway(ns) !== undefined} ready=${ready(ns)} conditions=${JSON.stringify(gateway(ns)?.status?.conditions?.map((c) => [c.type, c.status, (c as { reason?: string }).reason]))} missing=[${missing.join(',')}]`;
      });
      throw new Error(`${String(err)}\n${state.join('\n')}`);
    });
    const recoveredMs = Date.now() - stoppedAt;
    const lost = names.filter((ns) => !ready(ns)).length;
    const duplicated = names.filter((ns) => runnerGroups(ns) !== 1).length;
    console.log(
      `chaos gmc/apiserver: gateways=${names.length + 1} faults_injected=${injected} watch_cuts=${cuts} lost=${lost} duplicated=${duplicated} recovered_in=${(recoveredMs / 1000).toFixed(1)}s`,
    );
    expect(injected).toBeGreaterThan(0);
    expect(lost).toBe(0);
    expect(duplicated).toBe(0);
    expect(gmc.isLeader()).toBe(true);
  }, CONVERGE_BOUND_MS + plan.faultMs + 90_000);
});
