// The long-poll hold both brokers share (classic GetMessage, scale-set message poll): wait for a world change that
// yields an answer, the hold to lapse, or the client to go away, whichever comes first, and answer exactly once.
import type { Ctx } from './http.js';
import type { World } from './world.js';

/**
 * Holds `ctx` open for `world.timings.holdMs`. After each world change `answerOnChange` returns the reply to send
 * now, or undefined to keep holding; `onLapse` replies when the hold runs out; a client that hangs up is
 * recorded as 499. Resolves once the poll is settled.
 */
export function holdLongPoll(world: World, ctx: Ctx, answerOnChange: () => (() => void) | undefined, onLapse: () => void): Promise<void> {
  return new Promise<void>((resolve) => {
    let done = false;
    const finish = (fn: () => void): void => {
      if (done) return;
      done = true;
      off();
      timer.cancel();
      ctx.res.off('close', onClose);
      fn();
      resolve();
    };
    const off = world.onChange(() => {
      const answer = answerOnChange();
      if (answer) finish(answer);
    });
    const timer = world.clock.setTimeout(() => finish(onLapse), world.timings.holdMs);
    const onClose = (): void => finish(() => { ctx.status = 499; });
    ctx.res.on('close', onClose);
  });
}
