/**
 * controller-runtime's zap flags mapped onto the shared pino logger:
 * `--zap-devel` → console encoder at debug (explicit flags still win), `--zap-encoder json|console`,
 * `--zap-log-level debug|info|error|<n>` where n ≥ 1 means zap's V(n) (1 → debug, 2+ → trace).
 */
import type { LoggerOptions, LogLevel } from './logger.js';

/** The raw zap flag values. */
export interface ZapFlags {
  readonly zapDevel?: boolean;
  readonly zapEncoder?: string;
  readonly zapLogLevel?: string;
}

/** Turns zap flag values into logger options; throws an error naming the flag for bad values. */
export function loggerOptionsFromZap(flags: ZapFlags): Pick<LoggerOptions, 'level' | 'encoder'> {
  let level: LogLevel = flags.zapDevel ? 'debug' : 'info';
  let encoder: 'json' | 'console' = flags.zapDevel ? 'console' : 'json';
  if (flags.zapEncoder !== undefined) {
    if (flags.zapEncoder !== 'json' && flags.zapEncoder !== 'console') {
      throw new Error(`--zap-encoder: "${flags.zapEncoder}" is not one of json, console`);
    }
    encoder = flags.zapEncoder;
  }
  if (flags.zapLogLevel !== undefined) {
    const v = flags.zapLogLevel.trim().toLowerCase();
    if (v === 'debug' || v === 'info' || v === 'error' || v === 'warn') level = v;
    else if (/^\d+$/.test(v) && Number(v) > 0) level = Number(v) === 1 ? 'debug' : 'trace';
    else throw new Error(`--zap-log-level: "${flags.zapLogLevel}" is not one of debug, info, error, or an integer > 0`);
  }
  return { level, encoder };
}
