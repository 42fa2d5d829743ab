// Schemas: the JSON Schema documents generated from the valibot schemas (the single source of
// truth) — written to schemas/ by tools/gen-schemas.ts and checked for staleness by the tests.
import { toJsonSchema } from "@valibot/to-json-schema";
import type * as v from "valibot";
import { ScenarioDefinitionSchema } from "../runs/scenario.ts";
import { EventSchema } from "../telemetry/event.ts";
import { ManifestSchema, SummarySchema } from "./records.ts";

const SOURCES: Record<string, { schema: v.GenericSchema; title: string }> = {
  "manifest.schema.json": {
    schema: ManifestSchema,
    title: "pk3s infra-runs manifest (one scenario execution)",
  },
  "summary.schema.json": { schema: SummarySchema, title: "pk3s matrix summary" },
  "event.schema.json": { schema: EventSchema, title: "pk3s infra.command.* telemetry event" },
  "scenario.schema.json": {
    schema: ScenarioDefinitionSchema,
    title: "pk3s scenario definition (scenario.json)",
  },
};

/** File name → JSON text, deterministic. */
export function generatedSchemas(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [file, { schema, title }] of Object.entries(SOURCES)) {
    const json = {
      $schema: "http://json-schema.org/draft-07/schema#",
      title,
      ...toJsonSchema(schema, { errorMode: "ignore" }),
    };
    out[file] = `${JSON.stringify(json, null, 2)}\n`;
  }
  return out;
}
