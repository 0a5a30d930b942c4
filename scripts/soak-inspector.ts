// Asks a running Node host process for a full garbage collection or a heap snapshot through Node's own
// inspector, with nothing in the host changed: SIGUSR1 makes Node open its inspector on 127.0.0.1:9229, the
// DevTools protocol's HeapProfiler does the work, and `process._debugEnd()` closes the inspector again. Hosts
// are visited one at a time (they all open the same port); the target's pid is checked before anything is
// asked of it, so a stranger's inspector on 9229 is never touched.
import { writeFileSync } from 'node:fs';
import { WebSocket } from 'undici';

const INSPECTOR_URL = 'http://127.0.0.1:9229/json/list';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One DevTools protocol connection: `call` sends a command and resolves with its result. */
class Session {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly events: { method: string; params: Record<string, unknown> }[] = [];
  onEvent: ((method: string, params: Record<string, unknown>) => void) | undefined;

  constructor(private readonly ws: WebSocket) {
    ws.addEventListener('message', (e) => {
      const msg = JSON.parse(String(e.data)) as { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: Record<string, unknown> };
      if (msg.id === undefined) {
        if (msg.method) this.onEvent?.(msg.method, msg.params ?? {});
        return;
      }
      const w = this.waiting.get(msg.id);
      this.waiting.delete(msg.id);
      if (msg.error) w?.reject(new Error(msg.error.message));
      else w?.resolve(msg.result);
    });
    ws.addEventListener('close', () => {
      for (const w of this.waiting.values()) w.reject(new Error('inspector connection closed'));
      this.waiting.clear();
    });
  }

  call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Sends without waiting for an answer (for the command that closes the inspector under us). */
  send(method: string, params: Record<string, unknown> = {}): void {
    this.ws.send(JSON.stringify({ id: this.next++, method, params }));
  }
}

/** The debugger URL of whatever inspector listens on 9229 now, if any. */
async function listening(): Promise<string | undefined> {
  try {
    const list = (await (await fetch(INSPECTOR_URL)).json()) as { webSocketDebuggerUrl?: string }[];
    return list[0]?.webSocketDebuggerUrl;
  } catch {
    return undefined;
  }
}

async function targetUrl(deadline: number): Promise<string | undefined> {
  for (;;) {
    const url = await listening();
    if (url || Date.now() >= deadline) return url;
    await sleep(100);
  }
}

async function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error(`cannot connect to ${url}`)), { once: true });
  });
  return ws;
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Opens the inspector of `pid`, runs `work` on a session with it, and closes the inspector again. Resolves to
 * undefined (and runs nothing) when the inspector does not come up within 10 s or the one on 9229 is another
 * process's. Calls are serialised: one host's inspector at a time.
 */
export function withInspector<T>(pid: number, work: (session: Session) => Promise<T>): Promise<T | undefined> {
  const run = queue.then(async (): Promise<T | undefined> => {
    try {
      process.kill(pid, 'SIGUSR1');
    } catch {
      return undefined;
    }
    const url = await targetUrl(Date.now() + 10_000);
    if (!url) return undefined;
    const ws = await open(url);
    const session = new Session(ws);
    const { result } = (await session.call('Runtime.evaluate', { expression: 'process.pid', returnByValue: true })) as { result: { value: unknown } };
    if (result.value !== pid) {
      // Someone else's inspector: leave it as it is.
      ws.close();
      return undefined;
    }
    try {
      return await work(session);
    } finally {
      const closed = new Promise<void>((r) => ws.addEventListener('close', () => r(), { once: true }));
      session.send('Runtime.evaluate', { expression: 'process._debugEnd()' });
      await Promise.race([closed, sleep(5_000)]);
      ws.close();
      // Let the port be released before the next host opens its inspector on it.
      for (let i = 0; i < 50 && (await listening()) !== undefined; i++) await sleep(100);
    }
  });
  queue = run.catch(() => undefined);
  return run;
}

/** What `process.memoryUsage()` says inside a host, in bytes. */
export interface HostMemory {
  readonly rss: number;
  readonly heapTotal: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

/**
 * A full, synchronous garbage collection in `pid` (the DevTools protocol's `HeapProfiler.collectGarbage`), then
 * the process's own `process.memoryUsage()`; undefined when it could not be asked.
 */
export async function collectGarbage(pid: number): Promise<HostMemory | undefined> {
  return withInspector(pid, async (s) => {
    await s.call('HeapProfiler.collectGarbage');
    const { result } = (await s.call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true })) as { result: { value: string } };
    return JSON.parse(result.value) as HostMemory;
  });
}

/** Writes a heap snapshot of `pid` to `file` (loadable in Chrome DevTools); false when it could not be taken. */
export async function writeHeapSnapshot(pid: number, file: string): Promise<boolean> {
  return (await withInspector(pid, async (s) => {
    const chunks: string[] = [];
    s.onEvent = (method, params) => {
      if (method === 'HeapProfiler.addHeapSnapshotChunk') chunks.push(String(params.chunk));
    };
    await s.call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    writeFileSync(file, chunks.join(''));
    return true;
  })) === true;
}
