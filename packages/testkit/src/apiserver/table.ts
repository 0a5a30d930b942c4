// `Accept: application/json;as=Table;g=meta.k8s.io;v=v1`: the server-side printing `kubectl get` shows.
import type { Obj } from './json.js';
import { asArr, asObj, isObj, meta, str } from './json.js';
import { jsonPath } from './jsonpath.js';
import type { ResourceType } from './registry.js';

interface Column {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  cell: (o: Obj) => unknown;
}

/** kubectl's short age format: 45s, 12m, 5h, 3d. */
export function humanAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

function podColumns(): Column[] {
  return [
    {
      name: 'Ready',
      type: 'string',
      description: 'The aggregate readiness state of this pod for accepting traffic.',
      cell: (o) => {
        const statuses = asArr(asObj(o.status).containerStatuses).filter(isObj);
        return `${statuses.filter((c) => c.ready === true).length}/${asArr(asObj(o.spec).containers).length}`;
      },
    },
    {
      name: 'Status',
      type: 'string',
      description: 'The aggregate status of the containers in this pod.',
      cell: (o) => {
        const st = asObj(o.status);
        if (meta(o).deletionTimestamp) return 'Terminating';
        if (typeof st.reason === 'string') return st.reason;
        for (const c of asArr(st.containerStatuses).filter(isObj)) {
          const state = asObj(c.state);
          const waiting = asObj(state.waiting).reason;
          const terminated = asObj(state.terminated).reason;
          if (typeof waiting === 'string') return waiting;
          if (typeof terminated === 'string' && st.phase !== 'Running') return terminated;
        }
        return str(st.phase, 'Pending');
      },
    },
    {
      name: 'Restarts',
      type: 'string',
      description: 'The number of times the containers in this pod have been restarted.',
      cell: (o) => String(asArr(asObj(o.status).containerStatuses).filter(isObj).reduce((n, c) => n + Number(c.restartCount ?? 0), 0)),
    },
  ];
}

function deploymentColumns(): Column[] {
  return [
    { name: 'Ready', type: 'string', cell: (o) => `${Number(asObj(o.status).readyReplicas ?? 0)}/${Number(asObj(o.spec).replicas ?? 0)}` },
    { name: 'Up-to-date', type: 'integer', cell: (o) => Number(asObj(o.status).updatedReplicas ?? 0) },
    { name: 'Available', type: 'integer', cell: (o) => Number(asObj(o.status).availableReplicas ?? 0) },
  ];
}

function builtinColumns(rt: ResourceType): Column[] {
  if (rt.group === '' && rt.kind === 'Pod') return podColumns();
  if (rt.group === 'apps' && rt.kind === 'Deployment') return deploymentColumns();
  if (rt.group === '' && rt.kind === 'Namespace') return [{ name: 'Status', type: 'string', cell: (o) => asObj(o.status).phase ?? '' }];
  if (rt.group === '' && (rt.kind === 'ConfigMap' || rt.kind === 'Secret')) {
    const extra: Column[] = rt.kind === 'Secret' ? [{ name: 'Type', type: 'string', cell: (o) => o.type ?? '' }] : [];
    return [...extra, { name: 'Data', type: 'integer', cell: (o) => Object.keys(asObj(o.data)).length + Object.keys(asObj(o.binaryData)).length }];
  }
  return [];
}

function customColumns(rt: ResourceType): Column[] {
  return (rt.custom?.columns ?? []).map((c) => ({
    name: c.name,
    type: c.type,
    ...(c.format ? { format: c.format } : {}),
    ...(c.description ? { description: c.description } : {}),
    priority: c.priority ?? 0,
    cell: (o) => {
      const found = jsonPath(o, c.jsonPath);
      if (found.length === 0) return null;
      const v = found[0];
      if (c.type === 'date' && typeof v === 'string') return v;
      return isObj(v) || Array.isArray(v) ? JSON.stringify(v) : v;
    },
  }));
}

function columnsFor(rt: ResourceType, now: number): Column[] {
  const name: Column = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', cell: (o) => meta(o).name };
  const age: Column = {
    name: 'Age',
    type: 'string',
    description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
    cell: (o) => humanAge(now - Date.parse(String(meta(o).creationTimestamp))),
  };
  const middle = rt.custom ? customColumns(rt) : builtinColumns(rt);
  // A CRD's own Age column (jsonPath .metadata.creationTimestamp) replaces the default one.
  const hasAge = middle.some((c) => c.name.toLowerCase() === 'age');
  return [name, ...middle, ...(hasAge ? [] : [age])];
}

/** A Table for a list (or one object), with each row's object as `includeObject` asks. */
export function toTable(rt: ResourceType, objects: Obj[], now: number, includeObject: string, listMeta: Obj = {}): Obj {
  const cols = columnsFor(rt, now);
  const customAge = (o: Obj, c: Column, v: unknown): unknown => (c.type === 'date' && typeof v === 'string' ? humanAge(now - Date.parse(v)) : v);
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: cols.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0 })),
    rows: objects.map((o) => ({
      cells: cols.map((c) => customAge(o, c, c.cell(o)) ?? null),
      object:
        includeObject === 'None'
          ? undefined
          : includeObject === 'Object'
            ? o
            : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: meta(o) },
    })),
  };
}

/** Whether the Accept header asks for a Table. */
export const wantsTable = (accept: string | undefined): boolean => !!accept && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
