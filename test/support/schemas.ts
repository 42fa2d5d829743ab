// Validating what the scripts wrote against the checked-in JSON Schemas (schemas/*.json) with
// ajv — an implementation independent of the valibot schemas the writer uses, so a drift
// between the two (or a stale schemas/ directory) shows up as a failed test.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv, { type ValidateFunction } from "ajv";
import { REPO } from "./run.ts";

export type ArtifactKind = "manifest" | "summary" | "event";

/** RFC 3339 in UTC only: the artifacts promise UTC (a local offset is a location). */
const UTC_DATE_TIME =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?Z$/;

let compiled: Record<ArtifactKind, ValidateFunction> | null = null;

function validators(): Record<ArtifactKind, ValidateFunction> {
  if (compiled) return compiled;
  // strict: false — the generated schemas carry a "title" next to "$schema" and valibot's
  // output has keywords ajv's strict mode frowns on; formats are checked (date-time below).
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat("date-time", UTC_DATE_TIME);
  const load = (file: string) =>
    ajv.compile(JSON.parse(readFileSync(join(REPO, "schemas", file), "utf8")) as object);
  compiled = {
    manifest: load("manifest.schema.json"),
    summary: load("summary.schema.json"),
    event: load("event.schema.json"),
  };
  return compiled;
}

/** Problems of `json` against schemas/<kind>.schema.json, one line each; [] when it is valid. */
export function validateArtifact(kind: ArtifactKind, json: unknown): string[] {
  const validate = validators()[kind];
  if (validate(json)) return [];
  return (validate.errors ?? []).map(
    (e) => `${kind}${e.instancePath || " (root)"}: ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`,
  );
}
