/** The informer's local cache: objects by key, plus named secondary indexes. */
import { objectKey, type KubeObject } from './object.js';

/** Maps an object to the index values it is filed under (e.g. its Secret name). */
export type IndexFunc<T> = (obj: T) => readonly string[];

/** A keyed object cache with indexers. */
export class Store<T extends KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly indexes = new Map<string, Map<string, Set<string>>>();

  constructor(private readonly indexers: Readonly<Record<string, IndexFunc<T>>> = {}) {
    for (const name of Object.keys(indexers)) this.indexes.set(name, new Map());
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  get size(): number {
    return this.items.size;
  }

  /** Objects filed under `value` in index `indexName`; throws for an unknown index name. */
  byIndex(indexName: string, value: string): T[] {
    const index = this.indexes.get(indexName);
    if (!index) throw new Error(`store: no index named "${indexName}"`);
    return [...(index.get(value) ?? [])].flatMap((k) => {
      const obj = this.items.get(k);
      return obj ? [obj] : [];
    });
  }

  /** Inserts or replaces; returns the previous object. */
  upsert(obj: T): T | undefined {
    const key = objectKey(obj);
    const previous = this.items.get(key);
    if (previous) this.unindex(key, previous);
    this.items.set(key, obj);
    this.index(key, obj);
    return previous;
  }

  /** Removes by key; returns the removed object. */
  remove(key: string): T | undefined {
    const previous = this.items.get(key);
    if (!previous) return undefined;
    this.unindex(key, previous);
    this.items.delete(key);
    return previous;
  }

  private index(key: string, obj: T): void {
    for (const [name, fn] of Object.entries(this.indexers)) {
      const index = this.indexes.get(name);
      if (!index) continue;
      for (const value of fn(obj)) {
        let keys = index.get(value);
        if (!keys) index.set(value, (keys = new Set()));
        keys.add(key);
      }
    }
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of Object.entries(this.indexers)) {
      const index = this.indexes.get(name);
      if (!index) continue;
      for (const value of fn(obj)) {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(value);
      }
    }
  }
}
