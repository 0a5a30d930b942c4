/**
 * The session loops of one RunnerGroup (gag-system §4.4): one permanent loop, restarted after a failure
 * (with a doubling pause) for as long as the group lives, plus extra loops spawned after each acquired job
 * up to `maxListeners`, which retire once idle. Acquired jobs run beside the loops (claim-what-fits admission
 * bounds them, not the loop count). `stop()` ends them all; each deletes its session.
 */
import { ExponentialBackoff } from '@actions-gateway/broker-client';
import type { Clock, Logger } from '@actions-gateway/core';
import { setMaxListeners } from 'node:events';
import { SessionLoop, type LoopExit, type SessionLoopDeps } from './session-loop.js';
import type { ClassicTierTimings } from './timings.js';

/** What the multiplexer needs beyond what its loops need. */
export interface MultiplexerDeps {
  /** The loops' shared dependencies, without the multiplexer's own hooks. */
  readonly loop: Omit<SessionLoopDeps, 'spawnReplacement' | 'isLastListener' | 'overCapacity' | 'detach'>;
  readonly maxListeners: () => number;
  /** Makes the agent pool match `maxListeners` (run before each start of the permanent loop). */
  readonly ensureAgents: (signal: AbortSignal) => Promise<void>;
  readonly timings: ClassicTierTimings;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly fields: () => Record<string, unknown>;
}

/** The session loops of one RunnerGroup. */
export class Multiplexer {
  readonly #d: MultiplexerDeps;
  readonly #stop = new AbortController();
  readonly #running = new Set<Promise<void>>();
  readonly #loopDeps: SessionLoopDeps;
  #alive = 0;
  #started = false;

  constructor(deps: MultiplexerDeps) {
    this.#d = deps;
    // Every loop, every job running beside them and every wait for an agent listens to the stop signal.
    setMaxListeners(0, this.#stop.signal);
    this.#loopDeps = {
      ...deps.loop,
      spawnReplacement: () => this.spawnReplacement(),
      isLastListener: () => this.#alive <= 1,
      overCapacity: () => this.#alive > deps.maxListeners(),
      detach: (job) => this.#track(job),
    };
  }

  /** Session loops alive (the permanent one counts while it waits to restart). */
  get activeLoops(): number {
    return this.#alive;
  }

  /** Starts the permanent loop; idempotent. */
  start(): void {
    if (this.#started || this.#stop.signal.aborted) return;
    this.#started = true;
    this.#track(this.#supervise());
  }

  /** After an acquired job: one more loop, while below `maxListeners`. */
  spawnReplacement(): void {
    if (this.#stop.signal.aborted || this.#alive >= this.#d.maxListeners()) return;
    this.#alive += 1;
    const signal = this.#stop.signal;
    // Repairs agents a failed recycle left parked before taking one, so the burst capacity does not erode.
    const start = this.#d.ensureAgents(signal).catch((err: unknown) => {
      if (!signal.aborted) this.#d.logger.warn({ ...this.#d.fields(), err }, 'the agent pool is incomplete');
    });
    this.#track(
      start
        .then(() => (signal.aborted ? ({ kind: 'stopped' } as const) : new SessionLoop(this.#loopDeps, false, signal).run()))
        .then((exit) => this.#logExit(exit, false))
        .finally(() => {
          this.#alive -= 1;
        }),
    );
  }

  /** Runs `work` beside the loops (a job taken over from an earlier AGC); `stop()` aborts its signal and waits for it. */
  runBeside(work: (signal: AbortSignal) => Promise<void>): void {
    this.#track(work(this.#stop.signal));
  }

  /** Ends every loop and every job they run (each deletes its session; pods keep running); resolves when all have ended. */
  async stop(): Promise<void> {
    this.#stop.abort(new Error('listener stopped'));
    while (this.#running.size > 0) await Promise.all([...this.#running]);
  }

  #track(work: Promise<void>): void {
    const tracked = work.catch((err: unknown) => this.#d.logger.error({ ...this.#d.fields(), err }, 'session loop failed unexpectedly'));
    this.#running.add(tracked);
    void tracked.finally(() => this.#running.delete(tracked));
  }

  #logExit(exit: LoopExit, permanent: boolean): void {
    if (exit.kind === 'stopped') return;
    const fields = { ...this.#d.fields(), permanent, exit: exit.kind, ...(exit.kind === 'error' && { err: exit.error }) };
    if (exit.kind === 'idle') this.#d.logger.info(fields, 'idle session retired');
    else this.#d.logger.warn(fields, 'session loop ended');
  }

  async #supervise(): Promise<void> {
    const { timings, clock, logger } = this.#d;
    const signal = this.#stop.signal;
    const backoff = new ExponentialBackoff(timings.restartDelayMs, timings.maxRestartDelayMs);
    this.#alive += 1;
    try {
      while (!signal.aborted) {
        // The loop takes the first agent ready; the rest of the pool registers meanwhile.
        const ensured = this.#d.ensureAgents(signal).catch((err: unknown) => {
          if (!signal.aborted) logger.warn({ ...this.#d.fields(), err }, 'the agent pool is incomplete');
        });
        const loop = new SessionLoop(this.#loopDeps, true, signal);
        const exit = await loop.run();
        await ensured;
        if (signal.aborted) return;
        this.#logExit(exit, true);
        if (loop.opened) backoff.reset();
        const delay = exit.kind === 'version_too_old' ? timings.versionRetryMs : exit.kind === 'idle' ? timings.restartDelayMs : backoff.next();
        await clock.sleep(delay, signal);
      }
    } finally {
      this.#alive -= 1;
    }
  }
}
