// The subscription every in-process controller shares (GC, CRD registry, Deployments): react to each store event
// from construction until stop().
import type { Resources } from './resources.js';
import type { StoreEvent } from './store.js';

/** A controller fed every store event from construction until {@link StoreController.stop}. */
export abstract class StoreController {
  private readonly unsubscribe: () => void;

  constructor(protected readonly api: Resources) {
    this.unsubscribe = api.store.subscribe((ev) => this.onEvent(ev));
  }

  /** Stops reacting to store events. */
  stop(): void {
    this.unsubscribe();
  }

  protected abstract onEvent(ev: StoreEvent): void;
}
