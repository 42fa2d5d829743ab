// Names: outside names (scenarios, commands, targets, feature keys) made fit to record —
// sanitised, cleared of this machine's own identifiers by the guard, and reduced to an
// identifier again, so the final guard over a whole artifact or event finds nothing left to
// change in them (and a guarded name still matches the schemas' name pattern).
// The network interfaces are read only when a name could hold an address (mayHoldAddress).
import { guardValue, type Identifier, machineIdentifiers, mayHoldAddress } from "./guard.ts";
import { sanitizeName } from "./sanitize.ts";

let all: Identifier[] | null = null;
let withoutAddresses: Identifier[] | null = null;

/** This machine's identifiers enough to guard `texts`, collected at most once per process. */
export function identifiersFor(texts: ReadonlyArray<string | null>): Identifier[] {
  for (const text of texts) {
    if (text === null || !mayHoldAddress(text)) continue;
    all ??= machineIdentifiers();
    return all;
  }
  withoutAddresses ??= machineIdentifiers(process.env, undefined, { addresses: false });
  return withoutAddresses;
}

/** Several names at once (one guard pass), each fit to record; null stays null. */
export function recordNames<K extends string>(names: Record<K, string | null>): Record<K, string | null> {
  // The guard reads the names as given first: reducing to [A-Za-z0-9._-] would break up a
  // disguised spelling (x%2Fhost, a look-alike letter) that its folded comparison still sees.
  const given = guardValue(names, identifiersFor(Object.values(names))).value;
  const sanitized = {} as Record<K, string | null>;
  for (const key in given) {
    const name = given[key];
    sanitized[key] = name === null ? null : sanitizeName(name);
  }
  const guarded = guardValue(sanitized, identifiersFor(Object.values(sanitized))).value;
  for (const key in guarded) {
    const name = guarded[key];
    if (name !== null) guarded[key] = sanitizeName(name);
  }
  return guarded;
}

/** One name, fit to record. */
export function recordName(name: string): string {
  return recordNames({ name }).name ?? "unknown";
}
