/**
 * A small loopback server that lists and watches ConfigMaps the way the API server does, with scripted
 * failures for the informer's fault tests (each mode names a real failure from ecosystem §1.2).
 */
import { KubeConfig } from '@kubernetes/client-node';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type WatchMode = 'normal' | 'gone-in-stream' | 'gone-status' | 'hang-before-headers' | 'silent-after-headers' | 'cut' | 'too-many-requests';

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; resourceVersion: string };
  data?: Record<string, string>;
}

export interface ScriptedServer {
  readonly kubeConfig: KubeConfig;
  /** Modes for the next watch requests, consumed in order; 'normal' once empty. */
  readonly watchModes: WatchMode[];
  /** Modes for the next list requests. */
  readonly listModes: ('normal' | 'too-many-requests')[];
  readonly counts: { lists: number; watches: number };
  put(name: string, data?: Record<string, string>): void;
  remove(name: string): void;
  close(): Promise<void>;
}

export async function startScriptedServer(): Promise<ScriptedServer> {
  let rv = 100;
  const items = new Map<string, Obj>();
  const history: { rv: number; type: string; object: Obj }[] = [];
  const watchers = new Set<(line: string) => void>();
  const sockets = new Set<Socket>();
  const watchModes: WatchMode[] = [];
  const listModes: ('normal' | 'too-many-requests')[] = [];
  const counts = { lists: 0, watches: 0 };

  const emit = (type: string, object: Obj): void => {
    history.push({ rv, type, object });
    const line = `${JSON.stringify({ type, object })}\n`;
    for (const w of watchers) w(line);
  };
  const status = (res: ServerResponse, code: number, reason: string, headers: Record<string, string> = {}): void => {
    res.writeHead(code, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message: reason }));
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/api/v1/configmaps') return status(res, 404, 'NotFound');
    if (url.searchParams.get('watch') !== 'true') {
      counts.lists++;
      if (listModes.shift() === 'too-many-requests') return status(res, 429, 'TooManyRequests', { 'Retry-After': '1' });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: String(rv) }, items: [...items.values()] }));
      return;
    }
    counts.watches++;
    const mode = watchModes.shift() ?? 'normal';
    if (mode === 'hang-before-headers') return;
    if (mode === 'gone-status') return status(res, 410, 'Expired');
    if (mode === 'too-many-requests') return status(res, 429, 'TooManyRequests', { 'Retry-After': '1' });
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    if (mode === 'silent-after-headers') return;
    if (mode === 'cut') {
      res.socket?.destroy();
      return;
    }
    if (mode === 'gone-in-stream') {
      res.end(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' } })}\n`);
      return;
    }
    const from = Number(url.searchParams.get('resourceVersion') ?? '0');
    for (const h of history) if (h.rv > from) res.write(`${JSON.stringify({ type: h.type, object: h.object })}\n`);
    const send = (line: string): void => void res.write(line);
    watchers.add(send);
    const timeout = Number(url.searchParams.get('timeoutSeconds') ?? '0');
    const timer = timeout > 0 ? setTimeout(() => res.end(), timeout * 1000) : undefined;
    res.on('close', () => {
      watchers.delete(send);
      if (timer) clearTimeout(timer);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromClusterAndUser({ name: 'scripted', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }, { name: 'u', token: 't' });

  return {
    kubeConfig,
    watchModes,
    listModes,
    counts,
    put(name, data) {
      rv++;
      const existed = items.has(name);
      const obj: Obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns', resourceVersion: String(rv) }, ...(data ? { data } : {}) };
      items.set(name, obj);
      emit(existed ? 'MODIFIED' : 'ADDED', obj);
    },
    remove(name) {
      const obj = items.get(name);
      if (!obj) return;
      rv++;
      items.delete(name);
      emit('DELETED', { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } });
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** Polls `check` until it returns true, failing after `timeoutMs`. */
export async function waitFor(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
