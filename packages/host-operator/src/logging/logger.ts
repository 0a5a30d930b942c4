/**
 * The one JSON log shape of all four processes:
 * `{"level":"info","time":"<ISO-8601>","component":"gmc","msg":"…", …fields}`, errors under `err`
 * (pino's std serializer), secrets redacted. `encoder: 'console'` prints zap's human-readable form
 * (time, LEVEL, msg, fields as JSON) for local development.
 */
import { Writable } from 'node:stream';
import pino, { type DestinationStream, type Logger } from 'pino';

/** Log levels the controllers accept (zap's names plus pino's trace for `--zap-log-level 2+`). */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** How a host's logger is built. */
export interface LoggerOptions {
  /** `gmc`, `agc`, `egress-proxy` or `worker-wrapper`. */
  readonly component: string;
  readonly level?: LogLevel;
  readonly encoder?: 'json' | 'console';
  /** Where lines go; stdout when absent. */
  readonly destination?: DestinationStream | NodeJS.WritableStream;
}

/** Field paths that never reach a log line in clear. */
export const redactedPaths: readonly string[] = [
  'token',
  '*.token',
  'accessToken',
  '*.accessToken',
  'privateKey',
  '*.privateKey',
  'jitConfig',
  '*.jitConfig',
  'encodedJITConfig',
  '*.encodedJITConfig',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'headers.Authorization',
  '*.headers.Authorization',
  'tls.key',
  '*["tls.key"]',
];

/** A stream that rewrites pino JSON lines in zap's console layout. */
function consoleStream(out: NodeJS.WritableStream): Writable {
  let buffered = '';
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        try {
          const { time, level, msg, component, ...fields } = JSON.parse(line) as Record<string, unknown>;
          const rest = Object.keys(fields).length > 0 ? `\t${JSON.stringify(fields)}` : '';
          out.write(`${String(time)}\t${String(level).toUpperCase()}\t${String(component)}\t${String(msg)}${rest}\n`);
        } catch {
          out.write(`${line}\n`);
        }
      }
      done();
    },
  });
}

/** Builds a host logger in the shared schema. */
export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? process.stdout;
  const stream = options.encoder === 'console' ? consoleStream(destination as NodeJS.WritableStream) : destination;
  return pino(
    {
      level: options.level ?? 'info',
      base: { component: options.component },
      messageKey: 'msg',
      errorKey: 'err',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...redactedPaths], censor: '[REDACTED]' },
    },
    stream,
  );
}
