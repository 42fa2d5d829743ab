// Event: the infra.command.* usage event in docs/privacy-and-telemetry.md › Usage events — its
// valibot schema (the single source of truth, exported as JSON Schema) and its builder. Strict
// objects: nothing but allow-listed fields can be in an event, so no host, user, path, IP or
// endpoint can ride along. The endpoint also receives the bash reference's events and those of
// productive-k3s-core and -cli: the fields they share keep those names and JSON types
// (`parent_run_id` and `command.scenario` strings, empty when none; `client.telemetry_enabled`
// the string "true"; `client.script` the sender); ours (event_id, client.version,
// command.level, command.duration_ms) are added beside them.
import * as v from "valibot";
import { REPOSITORY, VERSION } from "../cli/version.ts";
import { newId } from "./correlation.ts";
import { COMPONENT } from "./settings.ts";

export const EVENT_SCHEMA_VERSION = "1";
/** An identifier of at most `max` characters, optionally "" (one pattern source, four schemas). */
const identifier = (max: number, orEmpty = false) => {
  const body = `[A-Za-z0-9][A-Za-z0-9._:-]{0,${max - 1}}`;
  return v.pipe(v.string(), v.regex(new RegExp(orEmpty ? `^(?:${body})?$` : `^${body}$`)));
};
export const ID = identifier(128);
/** Names of commands and scenarios: short identifiers, never free text. */
export const NAME = identifier(64);
/** infra.command.<word>: 1-32 lowercase letters or _, starting with a letter. */
export const EVENT_NAME_PATTERN = /^infra\.command\.[a-z][a-z_]{0,31}$/;
export const EVENT_NAME = v.pipe(v.string(), v.regex(EVENT_NAME_PATTERN));
export const UTC_TIMESTAMP = v.pipe(v.string(), v.isoTimestamp(), v.endsWith("Z"));
export const LEVELS = ["static", "contract", "live"] as const;
export const Level = v.picklist(LEVELS);
export const COMMAND_RESULTS = ["started", "success", "failed", "skipped"] as const;
// An id or a name, or "" when there is none (the reference's JSON type for a missing value). A
// pattern rather than v.union, which would add ~600 bytes of valibot to pk3s-emit's start-up.
const ID_OR_EMPTY = identifier(128, true);
const NAME_OR_EMPTY = identifier(64, true);

export const EventSchema = v.strictObject({
  schema_version: v.literal(EVENT_SCHEMA_VERSION),
  event_id: ID,
  event_family: v.literal("usage"),
  event_name: EVENT_NAME,
  sent_at: UTC_TIMESTAMP,
  session_id: ID,
  run_id: ID,
  parent_run_id: ID_OR_EMPTY,
  component: v.literal(COMPONENT),
  command: v.strictObject({
    name: NAME,
    scenario: NAME_OR_EMPTY,
    level: v.nullable(Level),
    result: v.picklist(COMMAND_RESULTS),
    duration_ms: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  }),
  client: v.strictObject({
    repository: v.literal(REPOSITORY),
    /** The program that sent it: pk3s-run-matrix, pk3s-run-scenario, pk3s-emit. */
    script: NAME,
    version: v.pipe(v.string(), v.regex(/^[0-9A-Za-z.+-]{1,32}$/)),
    /** A string, as the reference sends it: an event exists only when telemetry is on. */
    telemetry_enabled: v.literal("true"),
  }),
  telemetry_meta: v.strictObject({
    delivery_mode: v.literal("best-effort"),
    anonymous_by_contract: v.literal(true),
  }),
});
export type TelemetryEvent = v.InferOutput<typeof EventSchema>;
export type CommandResult = (typeof COMMAND_RESULTS)[number];
export type TestLevel = (typeof LEVELS)[number];

export interface EventInput {
  name: string;
  command: string;
  result: CommandResult;
  scenario?: string | null;
  level?: TestLevel | null;
  durationMs?: number | null;
  sessionId: string;
  runId: string;
  parentRunId: string | null;
  /** The sending program (client.script). */
  script: string;
  now?: Date;
}

/** Build and validate one event; throws a valibot error naming the bad field. */
export function buildEvent(input: EventInput): TelemetryEvent {
  const event = {
    schema_version: EVENT_SCHEMA_VERSION,
    event_id: newId(),
    event_family: "usage",
    event_name: input.name,
    sent_at: (input.now ?? new Date()).toISOString(),
    session_id: input.sessionId,
    run_id: input.runId,
    parent_run_id: input.parentRunId ?? "",
    component: COMPONENT,
    command: {
      name: input.command,
      scenario: input.scenario ?? "",
      level: input.level ?? null,
      result: input.result,
      ...(input.durationMs != null ? { duration_ms: Math.max(0, Math.round(input.durationMs)) } : {}),
    },
    client: { repository: REPOSITORY, script: input.script, version: VERSION, telemetry_enabled: "true" },
    telemetry_meta: { delivery_mode: "best-effort", anonymous_by_contract: true },
  };
  return v.parse(EventSchema, event);
}

/** Human-readable reasons from a failed parse: "command.name: Invalid format". */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .map((issue) => {
      const path = v.getDotPath(issue);
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join("; ");
}
