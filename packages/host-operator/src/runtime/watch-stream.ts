/**
 * One watch request: newline-delimited `{type, object}` events until the server ends the stream, an
 * error happens, or the caller aborts. An in-stream `ERROR` event (e.g. a 410 `Expired` Status) ends
 * the stream with a {@link KubeError}, so 410 looks the same however the server delivered it.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeError, kubeErrorFrom } from './kube-error.js';
import { apiUrl, openRequest, readText, type Query } from './kube-http.js';

/** The event types a watch delivers. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

/** Callbacks of one watch. */
export interface WatchHandlers {
  /** One decoded event. */
  onEvent(type: WatchEventType, object: Record<string, unknown>): void;
  /** Any bytes arrived (events, bookmarks, or the response headers): feeds the liveness watchdog. */
  onActivity(): void;
  /** Called exactly once: `null` for a clean end, else the error (a {@link KubeError}). */
  onDone(err: KubeError | null): void;
}

/** Starts a watch; the returned function aborts it (onDone is then not called). */
export function startWatch(kc: KubeConfig, path: string, query: Query, handlers: WatchHandlers): () => void {
  const controller = new AbortController();
  let finished = false;
  const finish = (err: KubeError | null): void => {
    if (finished) return;
    finished = true;
    controller.abort();
    handlers.onDone(err);
  };
  const run = async (): Promise<void> => {
    const res = await openRequest(kc, 'GET', apiUrl(kc, path, { ...query, watch: true }), controller.signal);
    handlers.onActivity();
    const status = res.statusCode ?? 0;
    if (status !== 200) {
      finish(kubeErrorFrom(status, await readText(res), res.headers));
      return;
    }
    let buffered = '';
    res.setEncoding('utf8');
    for await (const chunk of res) {
      if (finished) return;
      handlers.onActivity();
      buffered += chunk as string;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line === '') continue;
        let event: { type?: string; object?: Record<string, unknown> };
        try {
          event = JSON.parse(line) as typeof event;
        } catch {
          finish(new KubeError(0, 'BadWatchEvent', `watch ${path}: undecodable event line`));
          return;
        }
        if (event.type === 'ERROR') {
          const code = typeof event.object?.code === 'number' ? event.object.code : 500;
          finish(kubeErrorFrom(code, event.object));
          return;
        }
        if (event.object && (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED' || event.type === 'BOOKMARK')) {
          handlers.onEvent(event.type, event.object);
        }
      }
    }
    // A stream whose connection dropped before the terminating chunk is a cut, not a clean end.
    finish(res.complete ? null : new KubeError(0, 'ConnectionCut', `watch ${path}: connection closed before the stream ended`));
  };
  run().catch((err: unknown) => {
    if (finished) return;
    finish(err instanceof KubeError ? err : new KubeError(0, '', `watch ${path}: ${String(err)}`, undefined, { cause: err }));
  });
  return () => {
    finished = true;
    controller.abort();
  };
}
