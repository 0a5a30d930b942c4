/** Joins a field path: `spec` + `proxy` → `spec.proxy`; the root is the empty path. */
export function child(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** Path of list item `i`: `spec.runnerGroups[1]`. */
export function item(path: string, i: number): string {
  return `${path}[${i}]`;
}

/** Path of map entry `key`: `spec.tracing.resourceAttributes[deployment.environment]`. */
export function entry(path: string, key: string): string {
  return `${path}[${key}]`;
}

/** How a path reads in a message. */
export function shown(path: string): string {
  return path === '' ? 'the object' : path;
}
