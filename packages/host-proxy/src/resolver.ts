// The production resolver and dialer. The resolver asks once for every address of a name; the dialer connects
// to exactly the address the policy pinned, so no second lookup happens between check and connect.
import { lookup } from 'node:dns/promises';
import { connect, type Socket } from 'node:net';
import type { Resolver } from './policy/decide.js';

/** Where to dial: the pinned address, never a name. `hostname` is only for logs. */
export interface DialTarget {
  readonly address: string;
  readonly family: 4 | 6;
  readonly port: number;
  readonly hostname: string;
}

/**
 * Starts a TCP connection to `target` and returns the connecting socket. The proxy waits for its `connect` or
 * `error` and destroys it when the dial timeout passes first. (A socket, not a promise with an AbortSignal:
 * an AbortController per dial cost more CPU than the rest of the policy decision together.)
 */
export type Dialer = (target: DialTarget) => Socket;

/** Resolves through the system resolver (getaddrinfo), every address, in its order. */
export const systemResolver: Resolver = async (hostname) => {
  const answers = await lookup(hostname, { all: true, verbatim: true });
  return answers.map((a) => a.address);
};

/** Connects with `net.connect` to the pinned IP (no lookup happens for an IP), Nagle off, half-open allowed. */
export const netDialer: Dialer = (target) =>
  connect({ host: target.address, port: target.port, family: target.family, noDelay: true, allowHalfOpen: true });
