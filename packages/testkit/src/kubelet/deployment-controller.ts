// Deployment and ReplicaSet controllers, enough for status: Deployment → one ReplicaSet per template → pods.
import { createHash } from 'node:crypto';
import type { Obj } from '../apiserver/json.js';
import { asArr, asObj, clone, isObj, meta } from '../apiserver/json.js';
import type { ResourceType } from '../apiserver/registry.js';
import type { Resources } from '../apiserver/resources.js';
import type { StoreEvent } from '../apiserver/store.js';
import { StoreController } from '../apiserver/store-controller.js';

const isReady = (p: Obj): boolean => asArr(asObj(p.status).conditions).some((c) => isObj(c) && c.type === 'Ready' && c.status === 'True');
const isActive = (p: Obj): boolean => !meta(p).deletionTimestamp && !['Succeeded', 'Failed'].includes(String(asObj(p.status).phase));

function ownedBy(o: Obj, owner: Obj): boolean {
  return asArr(meta(o).ownerReferences).some((r) => isObj(r) && r.uid === meta(owner).uid && r.controller === true);
}

function ownerRef(owner: Obj, apiVersion: string, kind: string): Obj {
  return { apiVersion, kind, name: meta(owner).name, uid: meta(owner).uid, controller: true, blockOwnerDeletion: true };
}

/** Reconciles Deployments and ReplicaSets after every relevant store change (deferred, coalesced). */
export class DeploymentController extends StoreController {
  private scheduled = false;
  private readonly deploy: ResourceType;
  private readonly rs: ResourceType;
  private readonly pods: ResourceType;

  constructor(api: Resources) {
    super(api);
    this.deploy = api.registry.byPlural('apps', 'v1', 'deployments')!;
    this.rs = api.registry.byPlural('apps', 'v1', 'replicasets')!;
    this.pods = api.registry.byPlural('', 'v1', 'pods')!;
  }

  protected onEvent(ev: StoreEvent): void {
    if (!['apps/deployments', 'apps/replicasets', '/pods'].includes(ev.key)) return;
    if (ev.key === '/pods' && asArr(meta(ev.object).ownerReferences).length === 0) return;
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.reconcileAll().catch(() => undefined);
    });
  }

  private async reconcileAll(): Promise<void> {
    for (const d of this.api.store.list(this.deploy)) if (!meta(d).deletionTimestamp) await this.reconcileDeployment(d);
    for (const r of this.api.store.list(this.rs)) if (!meta(r).deletionTimestamp) await this.reconcileReplicaSet(r);
  }

  private async reconcileDeployment(d: Obj): Promise<void> {
    const ns = String(meta(d).namespace);
    const spec = asObj(d.spec);
    const template = asObj(spec.template);
    const hash = createHash('sha256').update(JSON.stringify(template)).digest('hex').slice(0, 10);
    const owned = this.api.store.list(this.rs, ns).filter((r) => ownedBy(r, d));
    let current = owned.find((r) => asObj(meta(r).labels)['pod-template-hash'] === hash);
    const replicas = Number(spec.replicas ?? 1);
    if (!current) {
      const labels = { ...asObj(asObj(template.metadata).labels), 'pod-template-hash': hash };
      const podTemplate = clone(template);
      podTemplate.metadata = { ...asObj(podTemplate.metadata), labels };
      current = await this.api.create(this.rs, ns, {
        metadata: { name: `${String(meta(d).name)}-${hash}`, namespace: ns, labels, ownerReferences: [ownerRef(d, 'apps/v1', 'Deployment')] },
        spec: { replicas, selector: { matchLabels: { ...asObj(asObj(spec.selector).matchLabels), 'pod-template-hash': hash } }, template: podTemplate },
      }, { fieldManager: 'kube-controller-manager' });
    } else if (Number(asObj(current.spec).replicas) !== replicas) {
      current = await this.api.patch(this.rs, ns, String(meta(current).name), 'merge', { spec: { replicas } }, { fieldManager: 'kube-controller-manager' });
    }
    for (const old of owned) {
      if (meta(old).uid !== meta(current).uid && Number(asObj(old.spec).replicas) !== 0) {
        await this.api.patch(this.rs, ns, String(meta(old).name), 'merge', { spec: { replicas: 0 } }, { fieldManager: 'kube-controller-manager' });
      }
    }
    const pods = this.api.store.list(this.pods, ns).filter((p) => owned.some((r) => ownedBy(p, r)) || ownedBy(p, current)).filter(isActive);
    const ready = pods.filter(isReady).length;
    const updated = pods.filter((p) => ownedBy(p, current)).length;
    const status = {
      observedGeneration: meta(d).generation,
      replicas: pods.length,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: ready,
      ...(pods.length - ready > 0 ? { unavailableReplicas: pods.length - ready } : {}),
      conditions: [
        { type: 'Available', status: ready >= replicas ? 'True' : 'False', reason: ready >= replicas ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable', message: ready >= replicas ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.' },
        { type: 'Progressing', status: 'True', reason: updated >= replicas ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated', message: `ReplicaSet "${String(meta(current).name)}" ${updated >= replicas ? 'has successfully progressed' : 'is progressing'}.` },
      ],
    };
    if (!readyRaw(d, status)) await this.api.update(this.deploy, ns, String(meta(d).name), { ...d, status }, { fieldManager: 'kube-controller-manager' }, 'status');
  }

  private async reconcileReplicaSet(r: Obj): Promise<void> {
    const ns = String(meta(r).namespace);
    const spec = asObj(r.spec);
    const want = Number(spec.replicas ?? 1);
    const pods = this.api.store.list(this.pods, ns).filter((p) => ownedBy(p, r)).filter(isActive);
    const template = asObj(spec.template);
    for (let i = pods.length; i < want; i++) {
      await this.api.create(this.pods, ns, {
        metadata: { ...asObj(template.metadata), generateName: `${String(meta(r).name)}-`, namespace: ns, ownerReferences: [ownerRef(r, 'apps/v1', 'ReplicaSet')] },
        spec: clone(asObj(template.spec)),
      }, { fieldManager: 'kube-controller-manager' });
    }
    for (const extra of pods.slice(want)) {
      await this.api.delete(this.pods, ns, String(meta(extra).name), {}).catch(() => undefined);
    }
    const all = this.api.store.list(this.pods, ns).filter((p) => ownedBy(p, r)).filter(isActive);
    const ready = all.filter(isReady).length;
    const status = { replicas: all.length, readyReplicas: ready, availableReplicas: ready, fullyLabeledReplicas: all.length, observedGeneration: meta(r).generation };
    if (!readyRaw(r, status)) await this.api.update(this.rs, ns, String(meta(r).name), { ...r, status }, { fieldManager: 'kube-controller-manager' }, 'status');
  }
}

/** True when the stored status already says this (conditions compared without timestamps). */
function readyRaw(o: Obj, status: Obj): boolean {
  return JSON.stringify(asObj(o.status)) === JSON.stringify(status);
}
