// Watch streams: history replay from a resourceVersion, bookmarks, timeouts, and the in-stream 410.
import type { ServerResponse } from 'node:http';
import type { Obj } from './json.js';
import { meta, str } from './json.js';
import type { ResourceType } from './registry.js';
import { apiVersionOf, storageKey } from './registry.js';
import type { Selector } from './selectors.js';
import type { Store, StoreEvent } from './store.js';

/** What a watch request asked for. */
export interface WatchRequest {
  rt: ResourceType;
  namespace: string | undefined;
  select: Selector;
  resourceVersion: string | undefined;
  bookmarks: boolean;
  timeoutSeconds: number | undefined;
  /** Turns an object into what goes on the wire (e.g. a Table row). */
  encode: (o: Obj, type: string) => Obj;
  bookmarkIntervalMs: number;
  /** Fault injection: close the stream after this many events (0: at once), or never write anything. */
  cutAfter?: number;
  hang?: boolean;
  /** Registers the stream's cut function with fault injection; returns the unregister function. */
  track?: (cut: (abrupt: boolean) => void) => () => void;
}

/** Streams a watch until the client leaves, the timeout passes or a fault cuts it. */
export function serveWatch(store: Store, res: ServerResponse, w: WatchRequest): void {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  if (w.hang) {
    // Accept the connection and never send a byte: the "silently dead watch" failure.
    res.socket?.setTimeout(0);
    return;
  }
  const key = storageKey(w.rt);
  let sent = 0;
  let closed = false;
  const timers: NodeJS.Timeout[] = [];
  let unsubscribe = (): void => undefined;
  const close = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe();
    for (const t of timers) clearTimeout(t);
    res.end();
  };
  const write = (type: string, object: Obj): void => {
    if (closed) return;
    res.write(JSON.stringify({ type, object }) + '\n');
    sent++;
    if (w.cutAfter !== undefined && sent >= w.cutAfter) {
      closed = true;
      unsubscribe();
      for (const t of timers) clearTimeout(t);
      // Flush what was written, then drop the connection without the chunked terminator (a premature close).
      const sock = res.socket;
      sock?.end();
      setTimeout(() => sock?.destroy(), 50).unref();
    }
  };
  const send = (ev: StoreEvent): void => {
    if (ev.key !== key || (w.namespace && ev.namespace !== w.namespace)) return;
    const now = w.select(ev.object);
    // An object entering or leaving the selector is ADDED or DELETED for this watcher, as the watch cache reports it.
    const before = ev.type === 'MODIFIED' && ev.old ? w.select(ev.old) : now;
    const type = ev.type !== 'MODIFIED' ? ev.type : now && !before ? 'ADDED' : !now && before ? 'DELETED' : ev.type;
    if (now || before) write(type, w.encode(ev.object, type));
  };
  res.on('close', close);
  const untrack = w.track?.((abrupt) => {
    if (abrupt) res.socket?.destroy();
    close();
  });
  if (untrack) res.on('close', untrack);

  const queued: StoreEvent[] = [];
  let replaying = true;
  unsubscribe = store.subscribe((ev) => (replaying ? queued.push(ev) : send(ev)));
  if (w.cutAfter === 0) {
    write('', {});
    return;
  }
  const rv = w.resourceVersion;
  if (rv === undefined || rv === '' || rv === '0') {
    for (const o of store.list(w.rt, w.namespace, w.select)) write('ADDED', w.encode(o, 'ADDED'));
  } else {
    const n = Number(rv);
    const history = Number.isFinite(n) ? store.since(n) : undefined;
    if (!history) {
      write('ERROR', {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: Number.isFinite(n) ? `too old resource version: ${rv} (${store.oldestResumable + 1})` : `invalid resource version: ${rv}`,
        reason: Number.isFinite(n) ? 'Expired' : 'BadRequest',
        code: Number.isFinite(n) ? 410 : 400,
      });
      close();
      return;
    }
    for (const ev of history) send(ev);
  }
  replaying = false;
  for (const ev of queued.splice(0)) send(ev);
  const bookmark = (): void =>
    write('BOOKMARK', { kind: w.rt.kind, apiVersion: apiVersionOf(w.rt), metadata: { resourceVersion: String(store.resourceVersion) } });
  if (w.bookmarks) {
    const tick = (): void => {
      bookmark();
      timers.push(setTimeout(tick, w.bookmarkIntervalMs).unref());
    };
    timers.push(setTimeout(tick, w.bookmarkIntervalMs).unref());
  }
  if (w.timeoutSeconds !== undefined && w.timeoutSeconds > 0) timers.push(setTimeout(close, w.timeoutSeconds * 1000).unref());
}

export const rvOf = (o: Obj): string => str(meta(o).resourceVersion, '');
