// The shared JSON log shape of every host process, for the component `egress-proxy`.
import { pino, type DestinationStream, type Logger } from 'pino';

/** Field paths that never reach a log line in clear; the same secrets every host redacts (test/log-shape.test.ts). */
const redactPaths = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers["proxy-authorization"]',
  'token',
  '*.token',
  'accessToken',
  'privateKey',
  'jitConfig',
  'encodedJITConfig',
];

/** Log levels the proxy accepts (`LOG_LEVEL`). */
export type LogLevel = 'info' | 'debug';

/**
 * A pino logger writing `{"level":"info","time":"<ISO>","component":"egress-proxy","msg":…}` lines.
 * Writes to stdout unless `destination` is given.
 */
export function createProxyLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { component: 'egress-proxy' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err },
      redact: { paths: redactPaths, censor: '[REDACTED]' },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
