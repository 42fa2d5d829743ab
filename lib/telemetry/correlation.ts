// Correlation: session_id / run_id / parent_run_id in the README › Consent, correlation, delivery. The run id is always new for
// this execution; the session is inherited when the chain already has one.
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
