/** controller-runtime bind addresses: `:8080`, `127.0.0.1:8080`, `[::1]:8080`, or `0` (disabled). */

/** A parsed bind address; `undefined` means the server is disabled. */
export interface BindAddress {
  readonly host: string | undefined;
  readonly port: number;
}

/** Parses a bind address; throws an error naming `flag` for anything else. */
export function parseBindAddress(value: string, flag: string): BindAddress | undefined {
  if (value === '0') return undefined;
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new Error(`${flag}: "${value}" is not a bind address (want [host]:port, e.g. ":8080", or "0" to disable)`);
  const host = m[1] ?? m[2];
  return { host: host === '' ? undefined : host, port };
}
