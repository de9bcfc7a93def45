import { resourceMissing } from '../http/stripe-api-error.js';

/**
 * The objects of one Stripe resource, in creation order. Lists answer newest first (Stripe's order);
 * deleted ids are remembered because Stripe answers them differently from ids that never existed.
 */
export class ResourceStore<T extends { id: string }> {
  private readonly items = new Map<string, T>();
  private readonly deleted = new Set<string>();

  /** The noun of Stripe's "No such <resource>: '<id>'" message. */
  constructor(readonly resource: string) {}

  /** Inserts a new object or replaces an existing one in place (keeping its position). */
  put(item: T): T {
    this.items.set(item.id, item);
    return item;
  }

  get(id: string): T | undefined {
    return this.items.get(id);
  }

  /** The object, or Stripe's 404 naming `param` as the culprit. */
  require(id: string, param = 'id'): T {
    const item = this.items.get(id);
    if (!item) throw resourceMissing(this.resource, id, param);
    return item;
  }

  remove(id: string): void {
    if (this.items.delete(id)) this.deleted.add(id);
  }

  wasDeleted(id: string): boolean {
    return this.deleted.has(id);
  }

  /** Creation order, oldest first. */
  all(): T[] {
    return [...this.items.values()];
  }

  /** Stripe's list order. */
  newestFirst(): T[] {
    return this.all().reverse();
  }

  find(predicate: (item: T) => boolean): T | undefined {
    for (const item of this.items.values()) if (predicate(item)) return item;
    return undefined;
  }

  get size(): number {
    return this.items.size;
  }

  clear(): void {
    this.items.clear();
    this.deleted.clear();
  }
}
