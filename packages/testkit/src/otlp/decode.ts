// OTLP trace messages (as @grpc/proto-loader hands them over) → the plain span shape tests assert on.

/** An attribute value as OTLP carries it: scalars, arrays, key/value lists and bytes. */
export type OtlpAttributeValue = string | number | bigint | boolean | Uint8Array | null | readonly OtlpAttributeValue[] | { readonly [key: string]: OtlpAttributeValue };

/** A span kind, spelled like the OTLP enum without its `SPAN_KIND_` prefix, lower case. */
export type OtlpSpanKind = 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';

/** A span status code, spelled like the OTLP enum without its `STATUS_CODE_` prefix, lower case. */
export type OtlpStatusCode = 'unset' | 'ok' | 'error';

/** One span event (e.g. the `exception` event `recordException` adds). */
export interface OtlpSpanEvent {
  readonly name: string;
  readonly timeUnixNano: string;
  readonly attributes: Record<string, OtlpAttributeValue>;
}

/** One exported span, decoded from the wire. Ids are lower-case hex; times are decimal nanosecond strings (lossless). */
export interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** `''` for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: OtlpSpanKind;
  readonly attributes: Record<string, OtlpAttributeValue>;
  readonly status: { readonly code: OtlpStatusCode; readonly message: string };
  readonly events: readonly OtlpSpanEvent[];
  /** The attributes of the resource that emitted the span (`service.name`, …). */
  readonly resource: Record<string, OtlpAttributeValue>;
  /** The instrumentation scope (the tracer's name and version). */
  readonly scope: { readonly name: string; readonly version: string };
  readonly startTimeUnixNano: string;
  readonly endTimeUnixNano: string;
}

// The wire shapes, as loaded with { longs: String, enums: String, bytes: Buffer, defaults: true, oneofs: true }.
interface WireAnyValue {
  readonly value?: string;
  readonly stringValue?: string;
  readonly boolValue?: boolean;
  readonly intValue?: string;
  readonly doubleValue?: number;
  readonly arrayValue?: { readonly values?: readonly WireAnyValue[] };
  readonly kvlistValue?: { readonly values?: readonly WireKeyValue[] };
  readonly bytesValue?: Buffer;
}
interface WireKeyValue {
  readonly key: string;
  readonly value?: WireAnyValue | null;
}
interface WireSpan {
  readonly traceId: Buffer;
  readonly spanId: Buffer;
  readonly parentSpanId: Buffer;
  readonly name: string;
  readonly kind: string;
  readonly startTimeUnixNano: string;
  readonly endTimeUnixNano: string;
  readonly attributes?: readonly WireKeyValue[];
  readonly events?: readonly { readonly name: string; readonly timeUnixNano: string; readonly attributes?: readonly WireKeyValue[] }[];
  readonly status?: { readonly code: string; readonly message: string } | null;
}
/** `ExportTraceServiceRequest` as the server receives it. */
export interface WireExportRequest {
  readonly resourceSpans?: readonly {
    readonly resource?: { readonly attributes?: readonly WireKeyValue[] } | null;
    readonly scopeSpans?: readonly { readonly scope?: { readonly name: string; readonly version: string } | null; readonly spans?: readonly WireSpan[] }[];
  }[];
}

function int64(text: string): number | bigint {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}

function anyValue(v: WireAnyValue | null | undefined): OtlpAttributeValue {
  switch (v?.value) {
    case 'stringValue':
      return v.stringValue ?? '';
    case 'boolValue':
      return v.boolValue ?? false;
    case 'intValue':
      return int64(v.intValue ?? '0');
    case 'doubleValue':
      return v.doubleValue ?? 0;
    case 'arrayValue':
      return (v.arrayValue?.values ?? []).map(anyValue);
    case 'kvlistValue':
      return keyValues(v.kvlistValue?.values);
    case 'bytesValue':
      return new Uint8Array(v.bytesValue ?? []);
    default:
      return null; // an empty AnyValue is legal OTLP
  }
}

function keyValues(list: readonly WireKeyValue[] | undefined): Record<string, OtlpAttributeValue> {
  const out: Record<string, OtlpAttributeValue> = {};
  for (const kv of list ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}

const enumTail = (value: string, prefix: string): string => (value.startsWith(prefix) ? value.slice(prefix.length) : value).toLowerCase();

/** Flattens one Export request into spans, each carrying its resource and scope. */
export function decodeExportRequest(request: WireExportRequest): OtlpSpan[] {
  const spans: OtlpSpan[] = [];
  for (const rs of request.resourceSpans ?? []) {
    const resource = keyValues(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      const scope = { name: ss.scope?.name ?? '', version: ss.scope?.version ?? '' };
      for (const s of ss.spans ?? []) {
        spans.push({
          traceId: s.traceId.toString('hex'),
          spanId: s.spanId.toString('hex'),
          parentSpanId: s.parentSpanId.toString('hex'),
          name: s.name,
          kind: enumTail(s.kind, 'SPAN_KIND_') as OtlpSpanKind,
          attributes: keyValues(s.attributes),
          status: { code: enumTail(s.status?.code ?? 'STATUS_CODE_UNSET', 'STATUS_CODE_') as OtlpStatusCode, message: s.status?.message ?? '' },
          events: (s.events ?? []).map((e) => ({ name: e.name, timeUnixNano: e.timeUnixNano, attributes: keyValues(e.attributes) })),
          resource,
          scope,
          startTimeUnixNano: s.startTimeUnixNano,
          endTimeUnixNano: s.endTimeUnixNano,
        });
      }
    }
  }
  return spans;
}
