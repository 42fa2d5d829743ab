// Names: outside names (scenarios, commands, targets, feature keys) made fit to record —
// sanitised, cleared of this machine's own identifiers by the guard, and reduced to an
// identifier again, so the final guard over a whole artifact or event finds nothing left to
// change in them (and a guarded name still matches the schemas' name pattern).
import { guardValue, type Identifier, machineIdentifiers } from "./guard.ts";
import { sanitizeName } from "./privacy.ts";

let cached: Identifier[] | null = null;

/** This machine's identifiers, collected once per process. */
export function localIdentifiers(): Identifier[] {
  cached ??= machineIdentifiers();
  return cached;
}

/** One name, fit to record. */
export function recordName(name: string, ids: readonly Identifier[] = localIdentifiers()): string {
  return sanitizeName(guardValue(sanitizeName(name), ids).value);
}
