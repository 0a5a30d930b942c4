// What a container sees of its pod: its environment and the files of its Secret, ConfigMap and emptyDir
// volumes, resolved from the store the way the kubelet resolves them. Shared by the local-process and
// in-process modes so both see the same pod.
import type { Obj } from '../apiserver/json.js';
import { asArr, asObj, getPath, isObj, meta, str } from '../apiserver/json.js';
import type { Resources } from '../apiserver/resources.js';

/** A container's files by absolute path inside the container, and its emptyDir mount paths. */
export interface ContainerFiles {
  readonly files: Record<string, string>;
  readonly emptyDirs: string[];
  /** Every volume mount path of the container. */
  readonly mountPaths: string[];
}

const joinPath = (dir: string, rel: string): string => `${dir.replace(/\/+$/, '')}/${rel.replace(/^\/+/, '')}`;

function lookup(api: Resources, plural: 'secrets' | 'configmaps', ns: string, name: string): Obj | undefined {
  return api.store.get(api.registry.byPlural('', 'v1', plural)!, ns, name);
}

function dataOf(o: Obj | undefined, secret: boolean): Record<string, string> {
  if (!o) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(asObj(o.data))) out[k] = secret ? Buffer.from(String(v as string), 'base64').toString('utf8') : String(v);
  return out;
}

function fieldRef(pod: Obj, path: string): string {
  const label = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (label) return str(asObj(meta(pod)[label[1]!])[label[2]!], '');
  return str(getPath(pod, path));
}

/** The pod's first container, or undefined. */
export function firstContainer(pod: Obj): Obj | undefined {
  return asArr(asObj(pod.spec).containers).find(isObj);
}

/** The container's environment from `env` and `envFrom` (Secrets and ConfigMaps read from the store). Throws on a missing required key. */
export function containerEnv(api: Resources, pod: Obj, c: Obj, base: Record<string, string> = {}): Record<string, string> {
  const ns = String(meta(pod).namespace);
  const env: Record<string, string> = { ...base };
  for (const from of asArr(c.envFrom).filter(isObj)) {
    const prefix = str(from.prefix, '');
    if (isObj(from.configMapRef)) for (const [k, v] of Object.entries(dataOf(lookup(api, 'configmaps', ns, String(from.configMapRef.name)), false))) env[prefix + k] = v;
    if (isObj(from.secretRef)) for (const [k, v] of Object.entries(dataOf(lookup(api, 'secrets', ns, String(from.secretRef.name)), true))) env[prefix + k] = v;
  }
  for (const e of asArr(c.env).filter(isObj)) {
    const name = String(e.name);
    if (typeof e.value === 'string') env[name] = e.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, v: string) => env[v] ?? m);
    const vf = asObj(e.valueFrom);
    if (isObj(vf.secretKeyRef)) {
      const v = dataOf(lookup(api, 'secrets', ns, String(vf.secretKeyRef.name)), true)[String(vf.secretKeyRef.key)];
      if (v === undefined && vf.secretKeyRef.optional !== true) throw new Error(`couldn't find key ${String(vf.secretKeyRef.key)} in Secret ${ns}/${String(vf.secretKeyRef.name)}`);
      if (v !== undefined) env[name] = v;
    }
    if (isObj(vf.configMapKeyRef)) {
      const v = dataOf(lookup(api, 'configmaps', ns, String(vf.configMapKeyRef.name)), false)[String(vf.configMapKeyRef.key)];
      if (v === undefined && vf.configMapKeyRef.optional !== true) throw new Error(`couldn't find key ${String(vf.configMapKeyRef.key)} in ConfigMap ${ns}/${String(vf.configMapKeyRef.name)}`);
      if (v !== undefined) env[name] = v;
    }
    if (isObj(vf.fieldRef)) env[name] = fieldRef(pod, String(vf.fieldRef.fieldPath));
  }
  return env;
}

/** The files the container's Secret and ConfigMap volumes put at its mount paths (honouring `items`). */
export function containerFiles(api: Resources, pod: Obj, c: Obj): ContainerFiles {
  const ns = String(meta(pod).namespace);
  const volumes = new Map(asArr(asObj(pod.spec).volumes).filter(isObj).map((v) => [String(v.name), v]));
  const files: Record<string, string> = {};
  const emptyDirs: string[] = [];
  const mountPaths: string[] = [];
  for (const mount of asArr(c.volumeMounts).filter(isObj)) {
    const vol = volumes.get(String(mount.name));
    if (!vol) continue;
    const target = String(mount.mountPath);
    mountPaths.push(target);
    let data: Record<string, string>;
    let items: unknown[];
    if (isObj(vol.secret)) {
      data = dataOf(lookup(api, 'secrets', ns, String(vol.secret.secretName)), true);
      items = asArr(vol.secret.items);
    } else if (isObj(vol.configMap)) {
      data = dataOf(lookup(api, 'configmaps', ns, String(vol.configMap.name)), false);
      items = asArr(vol.configMap.items);
    } else {
      emptyDirs.push(target);
      continue;
    }
    const mapped = items.filter(isObj);
    const entries = mapped.length ? mapped.map((i) => [String(i.path), data[String(i.key)] ?? ''] as const) : Object.entries(data);
    for (const [rel, content] of entries) files[joinPath(target, rel)] = content;
  }
  return { files, emptyDirs, mountPaths };
}

/** True when `path` is `mountPath` or lies under it. */
export function underMount(path: string, mountPath: string): boolean {
  const m = mountPath.replace(/\/+$/, '');
  return path === m || path.startsWith(`${m}/`);
}
