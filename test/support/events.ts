// Building and queueing real events with the product's own lib/telemetry/event.ts and lib/telemetry/outbox.ts.
import { readFileSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { newId } from "../../lib/telemetry/correlation.ts";
import { buildEvent, type EventInput, type TelemetryEvent } from "../../lib/telemetry/event.ts";
import { Outbox, WRITE_GRACE_MS } from "../../lib/telemetry/outbox.ts";

export function makeEvent(overrides: Partial<EventInput> = {}): TelemetryEvent {
  return buildEvent({
    name: "infra.command.completed",
    command: "run-scenario",
    result: "success",
    scenario: "onprem-basic",
    level: "static",
    durationMs: 1234,
    sessionId: newId(),
    runId: newId(),
    parentRunId: null,
    script: "pk3s-run-scenario",
    ...overrides,
  });
}

/** Queue `n` events into the outbox at `dir`; returns them in queue (= age) order. */
export async function queueEvents(dir: string, n: number): Promise<TelemetryEvent[]> {
  const outbox = new Outbox(dir);
  const events: TelemetryEvent[] = [];
  for (let i = 0; i < n; i++) {
    const event = makeEvent();
    await outbox.enqueue(event);
    events.push(event);
  }
  return events;
}

/** The exact text queued for an event (without the trailing newline). */
export function queuedText(dir: string, event: TelemetryEvent): string {
  return readFileSync(join(dir, "pending", `${event.event_id}.json`), "utf8").trimEnd();
}

/** Date a file back beyond the grace a writer gets to finish it (so unreadable = corrupt). */
export function ageBeyondWriteGrace(path: string): void {
  const mtime = new Date(Date.now() - WRITE_GRACE_MS - 1_000);
  utimesSync(path, mtime, mtime);
}
