// Reader: manifests and summaries as `status` and `clean` find them — written by this toolkit
// (records.ts) or by the bash reference's scripts, which a directory in the middle of a
// migration holds side by side. The reader schemas are loose (unknown fields pass) and ask for
// the reference's field names and JSON types: the reference writes local-offset timestamps,
// whole-second durations and node counts as strings, and its early manifests only the core
// fields. This toolkit's earlier files (uuid-named: null ci values, phases as a list, node
// counts as numbers) are read too. Files are read without following symlinks, only when they
// are regular files owned by this user, and only up to a size bound: an artifacts directory
// can hold anything.
import * as v from "valibot";
import { REPOSITORY } from "../cli/version.ts";
import { issueText } from "../runs/scenario.ts";
import { LEVELS } from "../telemetry/event.ts";
import { readOwnFile } from "../util/fs.ts";
import { TelemetryBlockSchema } from "./records.ts";

/** Far above any manifest or summary (a few KB): a bigger file is not one of ours. */
export const MAX_ARTIFACT_BYTES = 256 * 1024;

const STRING = v.string();
const OPTIONAL_TEXT = v.optional(STRING);

export const StoredManifestSchema = v.looseObject({
  schema_version: STRING,
  repository: v.literal(REPOSITORY),
  run_id: STRING,
  scenario: v.pipe(STRING, v.minLength(1)),
  test_level: v.picklist(LEVELS),
  /** pass, skip or fail; the reference's status tool also reads success and failed. */
  result: STRING,
  duration_seconds: v.pipe(v.number(), v.minValue(0)),
  started_at: OPTIONAL_TEXT,
  finished_at: OPTIONAL_TEXT,
  execution_kind: v.optional(v.picklist(["ci", "manual"])),
  skip_reason: OPTIONAL_TEXT,
  fail_reason: OPTIONAL_TEXT,
  productive_k3s: v.optional(
    v.looseObject({ source: STRING, version: STRING, release_repo: STRING, engine: STRING }),
  ),
  installation: v.optional(
    v.looseObject({
      environment: STRING,
      topology: STRING,
      node_count_expected: v.union([STRING, v.number()]),
      bootstrap_modes_used: v.array(STRING),
    }),
  ),
  features: v.optional(v.record(STRING, v.boolean())),
  phases: v.optional(
    v.union([
      v.record(STRING, v.looseObject({ status: STRING, duration_seconds: v.number() })),
      v.array(v.looseObject({ name: STRING, result: STRING, duration_seconds: v.number() })),
    ]),
  ),
  ci: v.optional(
    v.looseObject({
      provider: v.nullable(STRING),
      workflow: v.nullable(STRING),
      run_id: v.nullable(STRING),
    }),
  ),
  /** The same block both implementations write (records.ts), read loosely. */
  telemetry: v.optional(v.looseObject(TelemetryBlockSchema.entries)),
});
export type StoredManifest = v.InferOutput<typeof StoredManifestSchema>;

export const StoredSummarySchema = v.looseObject({
  schema_version: STRING,
  repository: v.literal(REPOSITORY),
  run_id: STRING,
  test_level: v.picklist(LEVELS),
  execution_kind: v.optional(v.picklist(["ci", "manual"])),
  productive_k3s: v.optional(
    v.looseObject({ source: STRING, version: STRING, release_repo: STRING, engine: STRING }),
  ),
  pass: v.array(STRING),
  skip: v.array(STRING),
  fail: v.array(STRING),
  scenario_results: v.optional(
    v.record(
      STRING,
      v.looseObject({
        result: STRING,
        started_at: v.optional(v.nullable(STRING)),
        finished_at: v.optional(v.nullable(STRING)),
        duration_seconds: v.optional(v.number()),
      }),
    ),
  ),
  telemetry: v.optional(v.looseObject(TelemetryBlockSchema.entries)),
});
export type StoredSummary = v.InferOutput<typeof StoredSummarySchema>;

export type ReadOutcome<T> = { ok: true; value: T } | { ok: false; problem: string };

function parseWith<S extends v.GenericSchema>(
  schema: S,
  what: string,
  text: string,
): ReadOutcome<v.InferOutput<S>> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, problem: "not valid JSON" };
  }
  const parsed = v.safeParse(schema, json);
  if (parsed.success) return { ok: true, value: parsed.output };
  const issue = parsed.issues[0];
  return { ok: false, problem: `not a ${what}${issue ? ` (${issueText(issue)})` : ""}` };
}

/** A manifest's text, as either implementation wrote it. */
export const parseStoredManifest = (text: string) => parseWith(StoredManifestSchema, "manifest", text);
/** A summary's text, as either implementation wrote it. */
export const parseStoredSummary = (text: string) => parseWith(StoredSummarySchema, "summary", text);

/** Read and parse one manifest file safely. */
export function readStoredManifest(path: string): ReadOutcome<StoredManifest> {
  const read = readOwnFile(path, MAX_ARTIFACT_BYTES);
  return read.ok ? parseStoredManifest(read.text) : { ok: false, problem: read.problem };
}

/** Read and parse one summary file safely. */
export function readStoredSummary(path: string): ReadOutcome<StoredSummary> {
  const read = readOwnFile(path, MAX_ARTIFACT_BYTES);
  return read.ok ? parseStoredSummary(read.text) : { ok: false, problem: read.problem };
}
