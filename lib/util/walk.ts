// Walk: a deep copy of JSON-like data with its strings (and optionally keys and numbers)
// mapped — the traversal behind guardValue (guard.ts).
// Arrays and plain objects are copied; other objects (Date, Map …) are kept as they are; shared
// and cyclic references are preserved; a "__proto__" key stays a plain data property.

export interface WalkMaps {
  string: (text: string) => string;
  /** Object keys; unchanged when absent. When two keys map to the same one, the later wins. */
  key?: (key: string) => string;
  /** Numbers and bigints; unchanged when absent. */
  number?: (value: number | bigint) => unknown;
}

export function mapDeep<T>(value: T, maps: WalkMaps): T {
  const seen = new Map<object, unknown>();
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return maps.string(v);
    if (typeof v === "number" || typeof v === "bigint") return maps.number ? maps.number(v) : v;
    if (v === null || typeof v !== "object") return v;
    const done = seen.get(v);
    if (done !== undefined) return done;
    if (Array.isArray(v)) {
      const copy: unknown[] = [];
      seen.set(v, copy);
      for (const item of v) copy.push(walk(item));
      return copy;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return v;
    const copy: Record<string, unknown> = {};
    seen.set(v, copy);
    for (const [k, item] of Object.entries(v)) {
      Object.defineProperty(copy, maps.key ? maps.key(k) : k, {
        value: walk(item),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return copy;
  };
  return walk(value) as T;
}
