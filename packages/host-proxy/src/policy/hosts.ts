// Host patterns of the allowlist: `github.com` matches that name only; `*.blob.core.windows.net` matches any
// name with one or more labels before that suffix, never the suffix itself. Patterns never match IP addresses:
// a literal IP destination needs an allowed CIDR.
import { normaliseHost } from './ip-normalise.js';

/** A parsed host pattern. */
export interface HostPattern {
  readonly text: string;
  /** The exact name, or for a wildcard the suffix including its leading dot (`.blob.core.windows.net`). */
  readonly name: string;
  readonly wildcard: boolean;
}

/** Parses one pattern; throws an error naming it when it is not a hostname or `*.` plus a hostname. */
export function parseHostPattern(text: string): HostPattern {
  const trimmed = text.trim().toLowerCase();
  const wildcard = trimmed.startsWith('*.');
  const body = wildcard ? trimmed.slice(2) : trimmed;
  const host = normaliseHost(body, false);
  if (host.kind !== 'name') {
    throw new Error(`invalid host pattern "${text}": expected a hostname or *.hostname (IP addresses go in --allow-cidrs)`);
  }
  if (wildcard && !host.name.includes('.')) {
    throw new Error(`invalid host pattern "${text}": a wildcard needs at least two labels after "*."`);
  }
  return { text: trimmed, name: wildcard ? `.${host.name}` : host.name, wildcard };
}

/** Whether a normalised hostname matches any pattern. */
export function hostAllowed(patterns: readonly HostPattern[], name: string): boolean {
  for (const p of patterns) {
    if (p.wildcard ? name.length > p.name.length && name.endsWith(p.name) : name === p.name) return true;
  }
  return false;
}
