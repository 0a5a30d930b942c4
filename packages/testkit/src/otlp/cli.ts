// `ag-testkit otlp [--port N] [--host 127.0.0.1|::1] [--tls-ca-file PATH]`: an OTLP/gRPC trace receiver until SIGTERM/SIGINT.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { OtlpAttributeValue, OtlpSpan } from './decode.js';
import { startOtlpReceiver } from './receiver.js';

const help = `usage: ag-testkit otlp [--port N] [--host 127.0.0.1|::1] [--tls-ca-file PATH]

Serves the OTLP/gRPC trace service on loopback, prints "ready <host:port>" on stdout, then one JSON line per
received span, and serves until SIGTERM or SIGINT. Plaintext by default: point an exporter at it with
OTEL_EXPORTER_OTLP_ENDPOINT=http://<host:port>. With --tls-ca-file it serves TLS with a throwaway CA written
to PATH: use https://<host:port> and OTEL_EXPORTER_OTLP_CERTIFICATE=PATH.
`;

/** JSON for span lines: 64-bit integers beyond 2^53 as strings, bytes as base64. */
function jsonValue(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value;
}

/** One stdout line per span. */
export function spanLine(span: OtlpSpan): string {
  return `${JSON.stringify(span, jsonValue as (key: string, value: OtlpAttributeValue) => unknown)}\n`;
}

/** Runs the subcommand; resolves with the exit code once the receiver has stopped. */
export async function main(argv: string[]): Promise<number> {
  let values: { port?: string; host?: string; 'tls-ca-file'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { port: { type: 'string' }, host: { type: 'string' }, 'tls-ca-file': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (e) {
    process.stderr.write(`ag-testkit otlp: ${(e as Error).message}\n${help}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!/^\d+$/.test(values.port ?? '0') || port > 65535) {
    process.stderr.write(`ag-testkit otlp: --port must be an integer from 0 to 65535, got "${values.port}"\n`);
    return 2;
  }
  const host = values.host ?? '127.0.0.1';
  if (host !== '127.0.0.1' && host !== '::1') {
    process.stderr.write(`ag-testkit otlp: --host must be 127.0.0.1 or ::1 (loopback only), got "${host}"\n`);
    return 2;
  }
  const caFile = values['tls-ca-file'];
  const receiver = await startOtlpReceiver({ host, port, ...(caFile !== undefined && { tls: true as const }) });
  if (caFile !== undefined) writeFileSync(caFile, receiver.caPem ?? '');
  process.stdout.write(`ready ${receiver.address}\n`);
  const unsubscribe = receiver.onSpans((spans) => {
    for (const span of spans) process.stdout.write(spanLine(span));
  });
  // `on`, not `once`: the listener stays registered, so a wrapper that checks for one after the signal
  // (tsx relays signals and exits 128+n when the program has none) never sees it missing.
  await new Promise<void>((resolve) => {
    process.on('SIGTERM', () => resolve());
    process.on('SIGINT', () => resolve());
  });
  unsubscribe();
  await receiver.close();
  return 0;
}
