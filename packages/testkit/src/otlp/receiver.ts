// A real OTLP/gRPC trace receiver on loopback: the collector's TraceService/Export, recording every span.
import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import { createTestCertificates, type TestCertificates } from '../tls.js';
import { decodeExportRequest, type OtlpSpan, type WireExportRequest } from './decode.js';
import { traceServiceDefinition } from './protos.js';

/** The gRPC status codes the receiver can be told to answer Export with. */
export type OtlpFailureCode = 'UNAVAILABLE' | 'RESOURCE_EXHAUSTED' | 'DEADLINE_EXCEEDED' | 'INTERNAL' | 'UNAUTHENTICATED' | 'PERMISSION_DENIED' | 'INVALID_ARGUMENT';

/** How Export should fail. */
export interface OtlpFailure {
  /** Default `UNAVAILABLE` (what a collector that is down or overloaded answers; exporters retry it). */
  readonly code?: OtlpFailureCode;
  readonly message?: string;
  /** Fail this many Export calls, then accept again; default: until {@link OtlpReceiver.recover}. */
  readonly times?: number;
}

/** Options of {@link startOtlpReceiver}. */
export interface OtlpReceiverOptions {
  /** Default `127.0.0.1`; only loopback addresses are accepted. */
  readonly host?: '127.0.0.1' | '::1';
  /** Default 0 (any free port). Pass a closed receiver's port to bring a collector "back". */
  readonly port?: number;
  /**
   * Serve TLS (what a collector does by default): `true` makes a throwaway CA and certificate for 127.0.0.1,
   * localhost and ::1; or pass your own. Clients trust {@link OtlpReceiver.caPem}.
   */
  readonly tls?: true | TestCertificates;
}

/** A running receiver. */
export interface OtlpReceiver {
  /** `host:port`, e.g. `127.0.0.1:43177` (IPv6 hosts in brackets). */
  readonly address: string;
  readonly port: number;
  /** `http://host:port` (`https://` with TLS): an endpoint for `OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT`. */
  readonly endpoint: string;
  /** With TLS: the CA certificate (PEM) clients trust, e.g. written to `OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE`. */
  readonly caPem?: string;
  /** Every span accepted so far, in arrival order. */
  spans(): OtlpSpan[];
  /**
   * Resolves with all spans once `predicate` holds for them (checked now and after every accepted export);
   * rejects after `timeoutMs` (default 5000) naming the spans seen, when the receiver closes, or with what
   * the predicate threw.
   */
  waitForSpans(predicate: (spans: readonly OtlpSpan[]) => boolean, timeoutMs?: number): Promise<OtlpSpan[]>;
  /** Calls `listener` with the spans of every accepted export; returns the unsubscribe function. */
  onSpans(listener: (spans: readonly OtlpSpan[]) => void): () => void;
  /** Answers Export with an error instead of recording (spans of failed calls are not kept). */
  fail(failure?: OtlpFailure): void;
  /** Accepts exports again. */
  recover(): void;
  /** Export calls answered so far. */
  exportCalls(): { readonly accepted: number; readonly refused: number };
  /** Forgets the recorded spans and counters. */
  clear(): void;
  /** Stops listening at once (in-flight calls are cancelled); pending waits reject. Idempotent. */
  close(): Promise<void>;
}

interface Waiter {
  readonly predicate: (spans: readonly OtlpSpan[]) => boolean;
  readonly resolve: (spans: OtlpSpan[]) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** Starts an OTLP/gRPC trace receiver (plaintext HTTP/2, or TLS) implementing `opentelemetry.proto.collector.trace.v1.TraceService/Export`. */
export async function startOtlpReceiver(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  const host = options.host ?? '127.0.0.1';
  if (host !== '127.0.0.1' && host !== '::1') throw new Error(`startOtlpReceiver: host must be 127.0.0.1 or ::1 (loopback only), got "${String(host)}"`);
  const requestedPort = options.port ?? 0;
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) throw new Error(`startOtlpReceiver: port must be an integer from 0 to 65535, got ${requestedPort}`);

  const grpc = await import('@grpc/grpc-js');
  const service = await traceServiceDefinition();
  const recorded: OtlpSpan[] = [];
  const waiters = new Set<Waiter>();
  const listeners = new Set<(spans: readonly OtlpSpan[]) => void>();
  const calls = { accepted: 0, refused: 0 };
  let failure: (OtlpFailure & { remaining: number }) | undefined;
  let closed = false;

  const settle = (): void => {
    for (const w of waiters) {
      let holds: boolean;
      try {
        holds = w.predicate(recorded);
      } catch (err) {
        waiters.delete(w);
        clearTimeout(w.timer);
        w.reject(err instanceof Error ? err : new Error(String(err)));
        continue;
      }
      if (!holds) continue;
      waiters.delete(w);
      clearTimeout(w.timer);
      w.resolve([...recorded]);
    }
  };

  const server = new grpc.Server();
  server.addService(service, {
    Export: (call: ServerUnaryCall<WireExportRequest, unknown>, callback: sendUnaryData<unknown>) => {
      if (failure) {
        const { code = 'UNAVAILABLE', message = 'the test receiver was told to fail' } = failure;
        failure.remaining -= 1;
        if (failure.remaining <= 0) failure = undefined;
        calls.refused += 1;
        callback({ code: grpc.status[code], details: message });
        return;
      }
      const spans = decodeExportRequest(call.request);
      recorded.push(...spans);
      calls.accepted += 1;
      callback(null, {});
      for (const listener of listeners) listener(spans);
      settle();
    },
  });
  const bindHost = host === '::1' ? '[::1]' : host;
  const certs = options.tls === true ? await createTestCertificates() : options.tls;
  const credentials = certs
    ? grpc.ServerCredentials.createSsl(null, [{ private_key: Buffer.from(certs.keyPem), cert_chain: Buffer.from(certs.certPem) }], false)
    : grpc.ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${bindHost}:${requestedPort}`, credentials, (err, bound) => (err ? reject(err) : resolve(bound)));
  });
  const address = `${bindHost}:${port}`;

  return {
    address,
    port,
    endpoint: `${certs ? 'https' : 'http'}://${address}`,
    ...(certs && { caPem: certs.caPem }),
    spans: () => [...recorded],
    waitForSpans: (predicate, timeoutMs = 5_000) => {
      if (predicate(recorded)) return Promise.resolve([...recorded]);
      if (closed) return Promise.reject(new Error('the OTLP receiver is closed'));
      return new Promise<OtlpSpan[]>((resolve, reject) => {
        const waiter: Waiter = {
          predicate,
          resolve,
          reject,
          timer: setTimeout(() => {
            waiters.delete(waiter);
            const names = recorded.map((s) => s.name);
            reject(new Error(`no matching spans at the OTLP receiver within ${timeoutMs} ms; received ${names.length}: ${JSON.stringify(names)}`));
          }, timeoutMs),
        };
        waiters.add(waiter);
      });
    },
    onSpans: (listener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    fail: (f = {}) => {
      if (f.times !== undefined && (!Number.isInteger(f.times) || f.times < 1)) throw new Error(`fail: times must be a positive integer, got ${f.times}`);
      failure = { ...f, remaining: f.times ?? Infinity };
    },
    recover: () => {
      failure = undefined;
    },
    exportCalls: () => ({ ...calls }),
    clear: () => {
      recorded.length = 0;
      calls.accepted = 0;
      calls.refused = 0;
    },
    close: () => {
      if (!closed) {
        closed = true;
        server.forceShutdown();
        for (const w of waiters) {
          clearTimeout(w.timer);
          w.reject(new Error('the OTLP receiver closed before the spans arrived'));
        }
        waiters.clear();
      }
      return Promise.resolve();
    },
  };
}
