// Loads the vendored OTLP trace service definition (packages/testkit/proto, see its README) once per process.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServiceDefinition } from '@grpc/grpc-js';

/** The service's fully qualified name, as in `trace_service.proto`. */
export const TRACE_SERVICE = 'opentelemetry.proto.collector.trace.v1.TraceService';
const SERVICE_FILE = 'opentelemetry/proto/collector/trace/v1/trace_service.proto';

/** The package's `proto/` directory: two levels up from `src/otlp/`, one from the bundled `dist/`. */
function protoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'proto');
    if (existsSync(join(candidate, SERVICE_FILE))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`the vendored OTLP protos (proto/${SERVICE_FILE}) are not next to ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

let loaded: Promise<ServiceDefinition> | undefined;

/**
 * The TraceService definition. Messages decode with camelCase fields, 64-bit integers as decimal strings,
 * enums as their names, bytes as Buffers, defaults filled in and a virtual field naming each oneof's member.
 */
export function traceServiceDefinition(): Promise<ServiceDefinition> {
  loaded ??= (async () => {
    const { load } = await import('@grpc/proto-loader');
    const root = protoRoot();
    const definition = await load(join(root, SERVICE_FILE), { includeDirs: [root], keepCase: false, longs: String, enums: String, bytes: Buffer, defaults: true, oneofs: true });
    const service = definition[TRACE_SERVICE];
    if (!service || 'format' in service) throw new Error(`${TRACE_SERVICE} is not a service in ${SERVICE_FILE}`);
    return service;
  })();
  return loaded;
}
