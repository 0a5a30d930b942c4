/**
 * Crash semantics for the kill switch: once `signal` aborts, every call through the wrapped object rejects
 * without reaching the cluster, so work still unwinding in-process (a provision's clean-up after its abort)
 * cannot touch what the successor owns — as after a real SIGKILL.
 */
export function killable<T extends object>(target: T, signal: AbortSignal | undefined): T {
  if (!signal) return target;
  return new Proxy(target, {
    get(obj, key, receiver) {
      const value: unknown = Reflect.get(obj, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        if (signal.aborted) return Promise.reject(new Error('the listener was killed'));
        return (value as (...a: unknown[]) => unknown).apply(obj, args);
      };
    },
  });
}
