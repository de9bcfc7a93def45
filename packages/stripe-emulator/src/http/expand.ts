import { invalidParameter } from './stripe-api-error.js';

/** How one expandable path (`test_clock`, `product`, …) turns an object into its expanded form. */
export type Expanders<T> = Readonly<Record<string, (object: T) => T>>;

/** An expander that replaces an id-valued field by the object it names. */
export function expandIdField<T extends object>(field: keyof T & string, lookup: (id: string) => unknown): (object: T) => T {
  return (object) => {
    const id = object[field];
    return typeof id === 'string' ? { ...object, [field]: lookup(id) } : object;
  };
}

/** Applies `expand[]` to one object; a path without an expander is refused as Stripe does. */
export function expandObject<T>(object: T, paths: readonly string[], expanders: Expanders<T>): T {
  return paths.reduce((expanded, path) => {
    const expander = expanders[path];
    if (!expander) throw invalidParameter(`This property cannot be expanded (${path}).`, 'expand');
    return expander(expanded);
  }, object);
}

/** Applies `expand[]` to the items of a list, where paths are written `data.<path>`. */
export function expandListItems<T>(items: readonly T[], paths: readonly string[], expanders: Expanders<T>): T[] {
  const itemPaths = paths.map((path) => {
    if (!path.startsWith('data.')) throw invalidParameter(`This property cannot be expanded (${path}).`, 'expand');
    return path.slice('data.'.length);
  });
  return items.map((item) => expandObject(item, itemPaths, expanders));
}
