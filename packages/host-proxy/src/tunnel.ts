// One established tunnel: bytes relayed both ways with backpressure, a half-close carried across, and the
// whole tunnel torn down when either side fails. Traffic only sets a flag; the server's sweep reads it to
// judge idleness, so the hot path does no timer work and allocates nothing per chunk.
import type { Socket } from 'node:net';

/** Why a tunnel ended. */
export type TunnelEnd = 'closed' | 'error' | 'idle' | 'lifetime' | 'drain';

export class Tunnel {
  /** Set on every chunk in either direction; cleared by the sweep. */
  active = false;
  lastActiveAt: number;
  private closedSockets = 0;
  private endReason: TunnelEnd = 'closed';
  private finished = false;

  constructor(
    readonly client: Socket,
    readonly upstream: Socket,
    readonly startedAt: number,
    private readonly onFinish: (tunnel: Tunnel, reason: TunnelEnd) => void,
  ) {
    this.lastActiveAt = startedAt;
  }

  /** Starts relaying; `early` is what the client sent after its request head, before the 200. */
  start(early: Buffer): void {
    if (early.length > 0) this.upstream.write(early);
    this.relay(this.client, this.upstream);
    this.relay(this.upstream, this.client);
    this.client.resume();
  }

  /** Cuts both sockets at once. */
  destroy(reason: TunnelEnd): void {
    if (this.endReason === 'closed') this.endReason = reason;
    this.client.destroy();
    this.upstream.destroy();
  }

  private relay(from: Socket, to: Socket): void {
    from.on('data', (chunk: Buffer) => {
      this.active = true;
      if (!to.write(chunk)) from.pause();
    });
    to.on('drain', () => from.resume());
    // A FIN from one side becomes a FIN to the other once what it sent is written; the other way stays open.
    // A client may have sent its FIN with its request head: 'end' was then emitted before the relay began.
    if (from.readableEnded) to.end();
    else from.on('end', () => to.end());
    from.on('error', () => this.destroy('error'));
    from.on('close', () => {
      // A socket that closed without both of its directions ending cleanly was reset: take the other down too.
      if (!(from.readableEnded && from.writableFinished)) this.destroy(this.endReason === 'closed' ? 'error' : this.endReason);
      if (++this.closedSockets === 2 && !this.finished) {
        this.finished = true;
        this.onFinish(this, this.endReason);
      }
    });
  }
}
