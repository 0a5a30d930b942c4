// The shared JSON log shape of every host process, for the component `egress-proxy`.
import { pino, type DestinationStream, type Logger } from 'pino';

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
      redact: ['authorization', 'headers.authorization', 'headers["proxy-authorization"]'],
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
