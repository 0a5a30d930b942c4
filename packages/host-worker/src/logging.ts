// The shared JSON log shape of every host process, for the component `worker-wrapper`.
import { pino, type DestinationStream, type Logger } from 'pino';

/** Log levels the wrapper accepts in `LOG_LEVEL`. */
export type LogLevel = 'info' | 'debug';

/** Field paths that never reach a log line in clear, should a caller ever pass one. */
const redactPaths = ['payload', 'jitconfig', 'jitConfig', 'encodedJITConfig', 'token', 'accessToken', 'authorization', 'privateKey'];

/**
 * A pino logger writing `{"level":"info","time":"<ISO>","component":"worker-wrapper","msg":…}` lines.
 * Writes synchronously to stderr unless `destination` is given: stdout belongs to the runner worker, and the
 * last line before `process.exit` must not be lost.
 */
export function createWrapperLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { component: 'worker-wrapper' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err },
      redact: { paths: redactPaths, censor: '[REDACTED]' },
    },
    destination ?? pino.destination({ dest: 2, sync: true }),
  );
}
