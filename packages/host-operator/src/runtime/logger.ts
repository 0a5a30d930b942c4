/** The logging port of the runtime: a structural subset of pino's logger, so any pino child fits. */

/** One log call: fields first, then the message (pino's argument order). */
export type LogFn = (fields: Record<string, unknown>, msg: string) => void;

/** What the runtime logs through. */
export interface RuntimeLogger {
  readonly debug: LogFn;
  readonly info: LogFn;
  readonly warn: LogFn;
  readonly error: LogFn;
}

const noop: LogFn = () => undefined;

/** A logger that drops everything (the default of every runtime part). */
export const silentLogger: RuntimeLogger = { debug: noop, info: noop, warn: noop, error: noop };
