// Correlation: session_id / run_id / parent_run_id (docs/privacy-and-telemetry.md › Correlation
// ids). The run id is always new for this execution; the session is inherited when the chain
// already has one. An inherited id (TELEMETRY_SESSION_ID, TELEMETRY_PARENT_RUN_ID,
// TELEMETRY_RUN_ID, --run-id) is used as given only when it is opaque; anything else is replaced
// by an id derived from it (inheritId), which is also what children receive.
//
// Opaque shapes: a UUID of a random or time-ordered version (4, 7, 8 — our own ids are UUIDv7,
// derived ids UUIDv8; versions 1, 2 and 6 carry a MAC address and are derived), plain hex of 16
// to 128 digits (productive-k3s-cli and the bash tools use 16), or digit groups joined by "-" or
// "_" (core's <yyyymmdd-hhmmss>-<pid>-<random>) that are not an address written with dashes and
// hold no 12-digit group (an account id). A hex or digit id must also not contain one of this
// machine's own identifiers (its MAC or address in any form the guard knows).
//
// Derived ids: HMAC-SHA-256 of the value, keyed with this machine's random machine id
// (/etc/machine-id, else the boot id), cut to a UUIDv8. Keyed, because most raw values are
// guessable (a host name, i-0abc…): a plain hash of "lab" is found by trying names. The key
// never leaves the machine, so nobody who reads artifacts or events can test guesses; on this
// machine the same value always gives the same id, so separate commands of one chain (each
// pk3s-emit of a calling script) still agree, and children receive the derived id itself.
// Without a machine id (not Linux), the key is random per process: the chain still holds
// through what children inherit, only separate invocations no longer agree.
import type * as Derive from "./derive.ts";
import type { Settings } from "./settings.ts";

export interface Correlation {
  sessionId: string;
  runId: string;
  parentRunId: string | null;
}

/** A fresh, time-ordered, random id (UUIDv7): no process id, no host, nothing local. */
export function newId(): string {
  return Bun.randomUUIDv7();
}

export function correlate(settings: Pick<Settings, "sessionId" | "parentRunId">): Correlation {
  return {
    sessionId: settings.sessionId ?? newId(),
    runId: newId(),
    parentRunId: settings.parentRunId,
  };
}

/** A random or time-ordered UUID (versions 4, 7, 8): opaque as it is, the common case. */
const RANDOM_UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[478][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/**
 * The id to use for an inherited value: the value itself when opaque, else a derived id (and
 * `warn` is called once). Anything but a random UUID is judged by derive.ts.
 */
export function inheritId(raw: string, source: string, warn: (message: string) => void): string {
  const value = raw.trim();
  if (RANDOM_UUID_RE.test(value)) return value;
  deriveModule ??= require("./derive.ts") as typeof Derive;
  return deriveModule.inheritId(value, source, warn);
}

let deriveModule: typeof Derive | undefined;
